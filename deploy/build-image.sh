#!/usr/bin/env bash
# Builds the vesselseg container image (deploy/Containerfile) with podman, FROM scratch: assembles the build
# context from the application and this machine's JDK and libraries, then runs `podman build --format docker`.
#
#   base/         jlink'd Java 17 runtime (modules from jdeps) + the shared libraries that it and the libtorch
#                 natives need (from ldd) + /etc/passwd, /etc/group (user vesselseg, 10001) + /tmp
#   native-jars/  javacpp, pytorch, openblas (and cuda) jars; the Containerfile's first stage unpacks their natives
#   libs/         the other third-party jars
#   app/          vesselseg.jar, the vesselseg module jars, ImageTool (deploy/image/ImageTool.java, compiled here)
#
# Usage: deploy/build-image.sh [--app DIR | --classpath CP] [--tag IMAGE] [--work DIR] [--context-only]
#   --app DIR        a directory with vesselseg.jar and lib/ (default: vesselseg-cli/target, made by
#                    `mvn -B -Djavacpp.platform=linux-x86_64 -pl vesselseg-cli -am package -DskipTests`)
#   --classpath CP   instead of --app: the runtime class path (':'-separated jars and class directories, as Maven's
#                    dependency:build-classpath writes it, plus the modules' target/classes); each directory is
#                    packed into lib/<module>.jar and vesselseg.jar is a launcher jar (Main-Class and Class-Path)
#   --tag IMAGE      image name (default localhost/vesselseg:latest)
#   --work DIR       where the context and the cached jlink runtime live (default deploy/.build)
#   --context-only   assemble the context, do not run podman build
# Needs a JDK 17 (jdeps, jlink, javac, jar), ldd, unzip and podman; CONTAINERS_CONF defaults to
# deploy/containers.conf (runc, cgroupfs, ulimits).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP=""
CLASSPATH_ARG=""
TAG="localhost/vesselseg:latest"
WORK="$ROOT/deploy/.build"
BUILD=1
die() { echo "build-image.sh: $*" >&2; exit 1; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --app) APP="${2:?--app needs a directory}"; shift 2 ;;
    --classpath) CLASSPATH_ARG="${2:?--classpath needs a class path}"; shift 2 ;;
    --tag) TAG="${2:?--tag needs an image name}"; shift 2 ;;
    --work) WORK="${2:?--work needs a directory}"; shift 2 ;;
    --context-only) BUILD=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n "$APP" && -n "$CLASSPATH_ARG" ]] && die "give --app or --classpath, not both"
[[ -z "$APP" && -z "$CLASSPATH_ARG" ]] && APP="$ROOT/vesselseg-cli/target"
for tool in jdeps jlink javac jar ldd unzip; do
  command -v "$tool" >/dev/null || die "'$tool' not found on PATH (a JDK 17 with jmods, libc-bin and unzip are needed)"
done
if [[ $BUILD -eq 1 ]]; then
  command -v podman >/dev/null || die "podman not found; run 'bash scripts/podman-install.sh' (root or sudo)"
fi
JAVA_BIN="$(command -v jlink)"
JAVA_HOME_DIR="$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")"
JAVA_FEATURE="$("$JAVA_HOME_DIR/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ "$JAVA_FEATURE" == "17" ]] || die "the runtime is jlink'd from $JAVA_HOME_DIR, which is Java $JAVA_FEATURE; put a JDK 17 first on PATH"
[[ -d "$JAVA_HOME_DIR/jmods" ]] || die "$JAVA_HOME_DIR has no jmods/ (Debian: apt-get install openjdk-17-jmods)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/containers.conf}"

t_start=$(date +%s)
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
CTX="$WORK/context"
rm -rf "$CTX"
mkdir -p "$CTX/base" "$CTX/native-jars/opt/vesselseg/lib" "$CTX/libs/opt/vesselseg/lib" \
  "$CTX/app/opt/vesselseg/lib" "$CTX/app/opt/vesselseg/tools"

# --- the application: jars sorted into native-jars/, libs/, app/ -------------------------------------------
place_jar() {  # place_jar JAR [NAME]: copies a jar (keeping its time stamp, so layers stay cached) into its layer
  local jar="$1" name="${2:-$(basename "$1")}"
  case "$name" in
    javacpp-*|pytorch-*|openblas-*|cuda-*) cp -p "$jar" "$CTX/native-jars/opt/vesselseg/lib/$name" ;;
    vesselseg-*) cp -p "$jar" "$CTX/app/opt/vesselseg/lib/$name" ;;
    *) cp -p "$jar" "$CTX/libs/opt/vesselseg/lib/$name" ;;
  esac
}
if [[ -n "$APP" ]]; then
  [[ -f "$APP/vesselseg.jar" && -d "$APP/lib" ]] || die "$APP has no vesselseg.jar and lib/; build it with: mvn -B -Djavacpp.platform=linux-x86_64 -pl vesselseg-cli -am package -DskipTests"
  cp -p "$APP/vesselseg.jar" "$CTX/app/opt/vesselseg/vesselseg.jar"
  for jar in "$APP"/lib/*.jar; do place_jar "$jar"; done
else
  names=()
  IFS=':' read -r -a entries <<< "$CLASSPATH_ARG"
  for entry in "${entries[@]}"; do
    [[ -z "$entry" ]] && continue
    if [[ -d "$entry" ]]; then
      # .../vesselseg-core/target/classes -> vesselseg-core.jar
      module="$(basename "$(dirname "$(dirname "$(cd "$entry" && pwd)")")")"
      [[ "$(basename "$entry")" == classes ]] || module="$(basename "$entry")"
      [[ "$module" == vesselseg-* ]] || module="vesselseg-$module"
      jar --create --file "$CTX/app/opt/vesselseg/lib/$module.jar" -C "$entry" .
      names+=("$module.jar")
    elif [[ -f "$entry" && "$entry" == *.jar ]]; then
      place_jar "$entry"
      names+=("$(basename "$entry")")
    else
      die "class path entry '$entry' is neither a directory nor a jar file"
    fi
  done
  [[ ${#names[@]} -gt 0 ]] || die "--classpath is empty"
  printf '%s\n' "${names[@]}" | sort | uniq -d | grep -q . && die "two class path entries have the same file name: $(printf '%s\n' "${names[@]}" | sort | uniq -d | tr '\n' ' ')"
  unzip -l "$CTX/app/opt/vesselseg/lib/"vesselseg-cli*.jar 2>/dev/null | grep -q 'io/vesselseg/cli/Main.class' \
    || die "no class path entry holds io/vesselseg/cli/Main.class (the vesselseg-cli classes are needed)"
  {
    echo "Manifest-Version: 1.0"
    echo "Main-Class: io.vesselseg.cli.Main"
    printf 'Class-Path:%s' "$(printf ' lib/%s' "${names[@]}")" | fold -w 70 | sed '2,$s/^/ /'
    echo
  } > "$WORK/MANIFEST.MF"
  mkdir -p "$WORK/empty"
  jar --create --file "$CTX/app/opt/vesselseg/vesselseg.jar" --manifest "$WORK/MANIFEST.MF" -C "$WORK/empty" .
fi
ls "$CTX/native-jars/opt/vesselseg/lib/"pytorch-*-linux-x86_64.jar >/dev/null 2>&1 \
  || die "no pytorch-*-linux-x86_64.jar among the jars: build with -Djavacpp.platform=linux-x86_64"
javac --release 17 -d "$CTX/app/opt/vesselseg/tools" "$ROOT/deploy/image/ImageTool.java"

# --- jlink'd runtime: the modules jdeps finds, cached by module list and JDK version ------------------------
all_jars=("$CTX"/app/opt/vesselseg/lib/*.jar "$CTX"/libs/opt/vesselseg/lib/*.jar "$CTX"/native-jars/opt/vesselseg/lib/*.jar)
modules="$(jdeps --ignore-missing-deps --print-module-deps --multi-release 17 -q \
  --class-path "$(IFS=:; echo "${all_jars[*]}")" "${all_jars[@]}")"
# jdk.unsupported: JavaCPP uses sun.misc.Unsafe (jdeps lists it too; kept explicit)
modules="$modules,jdk.unsupported"
modules="$(echo "$modules" | tr ',' '\n' | sort -u | paste -sd, -)"
jdk_version="$("$JAVA_HOME_DIR/bin/java" -version 2>&1 | sed -n 1p)"
key="$(printf '%s\n%s\n' "$modules" "$jdk_version" | sha256sum | cut -c1-16)"
RUNTIME="$WORK/runtime-$key"
if [[ ! -x "$RUNTIME/bin/java" ]]; then
  rm -rf "$WORK"/runtime-*
  echo "jlink: $modules"
  "$JAVA_HOME_DIR/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$RUNTIME.tmp"
  # the service runs headless: drop the libraries for X11 windows, sound and the splash screen (and their X11 and
  # ALSA dependencies)
  rm -f "$RUNTIME.tmp"/lib/{libawt_xawt.so,libjawt.so,libjsound.so,libsplashscreen.so}
  mv "$RUNTIME.tmp" "$RUNTIME"
fi
mkdir -p "$CTX/base/opt"
cp -a "$RUNTIME" "$CTX/base/opt/java"

# --- shared libraries: what ldd finds for the runtime and for the libtorch natives ---------------------------
NATIVES="$WORK/natives-for-ldd"
rm -rf "$NATIVES"
mkdir -p "$NATIVES"
for jar in "$CTX"/native-jars/opt/vesselseg/lib/*-linux-x86_64.jar; do
  unzip -q -o -j "$jar" '*.so*' -d "$NATIVES" 2>/dev/null || true
done
# JavaCPP makes this link when it loads OpenBLAS (libjniopenblas_nolapack.so needs the name)
[[ -e "$NATIVES/libopenblas.so.0" ]] && ln -sf libopenblas.so.0 "$NATIVES/libopenblas_nolapack.so.0"
# (two runs: the natives bring their own libgcc_s, which the JVM must not take for the system's)
ldd_out="$(LD_LIBRARY_PATH="$CTX/base/opt/java/lib:$CTX/base/opt/java/lib/server" ldd "$CTX/base/opt/java/bin/java" \
  "$CTX/base/opt/java/lib/server/libjvm.so" "$CTX"/base/opt/java/lib/*.so 2>&1)
$(LD_LIBRARY_PATH="$NATIVES" ldd "$NATIVES"/*.so* 2>&1)"
if grep -q 'not found' <<< "$ldd_out"; then
  die "ldd cannot resolve: $(grep 'not found' <<< "$ldd_out" | sort -u | tr -s ' \t' ' ' | tr '\n' ';')"
fi
libs="$(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' <<< "$ldd_out" \
  | grep -v -e "^$CTX/" -e "^$NATIVES/" | sort -u)"
for lib in $libs; do
  mkdir -p "$CTX/base$(dirname "$lib")"
  cp -L -p "$lib" "$CTX/base$lib"
done
# the program interpreter at the path in every ELF header
interp="$(readelf -l "$CTX/base/opt/java/bin/java" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')"
interp="${interp:-/lib64/ld-linux-x86-64.so.2}"
if [[ ! -e "$CTX/base$interp" ]]; then
  mkdir -p "$CTX/base$(dirname "$interp")"
  cp -L -p "$interp" "$CTX/base$interp"
fi
rm -rf "$NATIVES"

# --- users, /tmp ----------------------------------------------------------------------------------------------
mkdir -p "$CTX/base/etc" "$CTX/base/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nvesselseg:x:10001:10001:vesselseg:/tmp:/sbin/nologin\n' > "$CTX/base/etc/passwd"
printf 'root:x:0:\nvesselseg:x:10001:\n' > "$CTX/base/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$CTX/base/etc/nsswitch.conf"
chmod 1777 "$CTX/base/tmp"
chmod -R a+rX "$CTX"
# the same time stamp on every file of base/ and tools/ (written afresh each run), so that podman's layer cache
# keeps the base layer and the natives stage (445 MB) across builds
find "$CTX/base" "$CTX/app/opt/vesselseg/tools" -exec touch -h -d '2000-01-01 00:00:00 UTC' {} +
t_context=$(date +%s)
echo "context: $CTX ($(du -sh "$CTX" | cut -f1); base $(du -sh "$CTX/base" | cut -f1), $(echo "$libs" | wc -l) shared libraries) in $(( t_context - t_start )) s"
[[ $BUILD -eq 1 ]] || exit 0

# --- podman build ----------------------------------------------------------------------------------------------
podman build --format docker --layers --network none -f "$ROOT/deploy/Containerfile" -t "$TAG" "$CTX"
t_end=$(date +%s)
size=$(podman image inspect --format '{{.Size}}' "$TAG")
echo "image $TAG: $(( size / 1000000 )) MB ($size bytes); built in $(( t_end - t_start )) s (context $(( t_context - t_start )) s, podman build $(( t_end - t_context )) s)"
