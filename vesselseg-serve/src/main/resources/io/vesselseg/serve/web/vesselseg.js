// The vesselseg web page: one request per photograph (POST /v1/segment?output=json&images=true&uncertainty=true),
// then the
// overlay, the threshold, the vessel density and the mask to download are all computed here, on canvases.
//
// The answer's probability map is quantised so that a level is at least images.threshold_level exactly when
// the probability is at least the model's threshold: cut at that level inside the FOV it is the server's own
// mask, so the density shown at the model's threshold is the server's vessel_density. Cut at another level L
// it is the mask at probability (L - 0.5) / 255.
'use strict';

(() => {
  const VESSEL = [0x22, 0xd3, 0xee]; // the server's overlay colour (io.vesselseg.viz.Overlay.VESSEL)
  const $ = (id) => document.getElementById(id);

  let result = null; // the photograph being shown: size, pixels, levels, FOV, the server's figures
  let file = null; // the File it came from (segmented again when the TTA choice changes)
  let sequence = 0; // answers to older requests are dropped
  let maskTimer = 0;

  // ---- talking to the server ----

  /** The answer's JSON, or an Error carrying the server's one-line {"error": ...} message. */
  async function json(response) {
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      // not JSON: reported below
    }
    if (!response.ok) {
      const message = body && body.error ? body.error : text.trim().slice(0, 300) || response.statusText;
      throw new Error(`The server answered ${response.status}: ${message}`);
    }
    if (body === null) {
      throw new Error(`The server's answer is not JSON: ${text.trim().slice(0, 120)}`);
    }
    return body;
  }

  async function loadModel() {
    try {
      const card = await json(await fetch('/v1/model'));
      const flips = card.thresholds.threshold_flips;
      $('model').textContent = `Model: ${card.name} (${card.file}, sha256 ${card.sha256.slice(0, 12)}…), `
          + `threshold ${card.thresholds.serving.toFixed(4)}`
          + (typeof flips === 'number' ? ` (with flips ${flips.toFixed(4)})` : '');
    } catch (e) {
      $('model').textContent = 'Model: unknown';
      showError(`Cannot read the model card: ${e.message}`);
    }
  }

  async function segment(chosen) {
    file = chosen;
    const mine = ++sequence;
    const tta = document.querySelector('input[name=tta]:checked').value;
    hideError();
    status(`Segmenting ${chosen.name} (${(chosen.size / 1024).toFixed(0)} KiB, test-time augmentation ${tta})…`);
    document.body.classList.add('busy');
    const t0 = performance.now();
    try {
      const response = await fetch(`/v1/segment?output=json&images=true&uncertainty=true&tta=${tta}`, {
        method: 'POST',
        headers: {'Content-Type': chosen.type || 'application/octet-stream'},
        body: chosen,
      });
      const answer = await json(response);
      const [photo, levels, fov, spread] = await Promise.all([
        pixels(answer.images.photo_png), pixels(answer.images.probability_png), pixels(answer.images.fov_png),
        pixels(answer.images.uncertainty_png)]);
      if (mine !== sequence) {
        return;
      }
      show(answer, chosen.name, photo, levels, fov, spread, (performance.now() - t0) / 1000);
      status(`Segmented ${chosen.name}.`);
    } catch (e) {
      if (mine === sequence) {
        result = null;
        $('result').hidden = true;
        status('');
        showError(`${chosen.name}: ${e.message}`);
      }
    } finally {
      if (mine === sequence) {
        document.body.classList.remove('busy');
      }
    }
  }

  /** A base64 PNG's pixels as RGBA bytes, exactly as stored (no colour conversion). */
  async function pixels(base64) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], {type: 'image/png'}),
        {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    return ctx.getImageData(0, 0, canvas.width, canvas.height);
  }

  // ---- drawing ----

  function show(answer, name, photo, levelsRgba, fovRgba, spread, roundTrip) {
    const w = photo.width;
    const h = photo.height;
    const levels = new Uint8Array(w * h);
    const fov = new Uint8Array(w * h);
    let fovArea = 0;
    for (let i = 0; i < w * h; i++) {
      levels[i] = levelsRgba.data[4 * i];
      fov[i] = fovRgba.data[4 * i] > 127 ? 1 : 0;
      fovArea += fov[i];
    }
    result = {w, h, photo: photo.data, levels, fov, fovArea, name, cut: answer.images.threshold_level,
      threshold: answer.threshold};
    for (const id of ['photo', 'overlay', 'probability', 'uncertainty']) {
      $(id).width = w;
      $(id).height = h;
    }
    $('photo').getContext('2d').putImageData(photo, 0, 0);
    $('probability').getContext('2d').putImageData(levelsRgba, 0, 0);
    $('uncertainty').getContext('2d').putImageData(spread, 0, 0);
    const q = answer.quality;
    $('flags').textContent = q.flags.length === 0 ? 'none' : q.flags.join(', ');
    $('disagreement').textContent = typeof q.disagreement === 'number' ? q.disagreement.toFixed(4)
        : 'not available (one network)';
    $('threshold').value = String(result.cut);
    $('image-info').textContent = `${w} × ${h} ${answer.image.format}, test-time augmentation ${answer.tta}`;
    const t = answer.timings;
    $('timings').textContent = `inference ${t.inference_seconds.toFixed(2)} s, queued ${t.queued_seconds.toFixed(2)}`
        + ` s, server ${t.total_seconds.toFixed(2)} s, round trip ${roundTrip.toFixed(2)} s`;
    $('result').hidden = false;
    if (fovArea !== answer.fov_area) {
      showError(`The page counts ${fovArea} FOV pixels but the server ${answer.fov_area}: densities may differ.`);
    }
    redraw();
  }

  /** The overlay, the threshold's text and the density at the slider's level; the mask link a moment later. */
  function redraw() {
    if (!result) {
      return;
    }
    const {w, h, photo, levels, fov} = result;
    const level = Number($('threshold').value);
    const alpha = Number($('opacity').value) / 100;
    $('opacity-value').textContent = `${$('opacity').value} %`;
    const ctx = $('overlay').getContext('2d');
    const out = ctx.createImageData(w, h);
    const d = out.data;
    let vessels = 0;
    for (let i = 0, p = 0; i < w * h; i++, p += 4) {
      const vessel = fov[i] === 1 && levels[i] >= level;
      vessels += vessel ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        d[p + c] = vessel ? photo[p + c] * (1 - alpha) + VESSEL[c] * alpha : photo[p + c];
      }
      d[p + 3] = 255;
    }
    ctx.putImageData(out, 0, 0);

    const atModel = level === result.cut;
    const threshold = atModel ? result.threshold.toFixed(4) + " (the model's)" : ((level - 0.5) / 255).toFixed(3);
    $('threshold-value').textContent = threshold;
    $('threshold').setAttribute('aria-valuetext', threshold);
    $('threshold-reset').disabled = atModel;
    const density = result.fovArea === 0 ? 0 : vessels / result.fovArea;
    $('density').textContent = `${(100 * density).toFixed(2)} %`;
    $('density').dataset.value = String(density);
    $('counts').textContent = `${vessels.toLocaleString('en')} / ${result.fovArea.toLocaleString('en')}`;

    if (level !== result.maskLevel) {
      result.maskLevel = level;
      $('download').removeAttribute('data-level');
      clearTimeout(maskTimer);
      maskTimer = setTimeout(() => updateMask(level), 150);
    }
  }

  /** Points the download link at the PNG of the mask at {@code level}: vessels 255, the rest 0. */
  function updateMask(level) {
    const {w, h, levels, fov, name} = result;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(w, h);
    for (let i = 0, p = 0; i < w * h; i++, p += 4) {
      const v = fov[i] === 1 && levels[i] >= level ? 255 : 0;
      img.data[p] = img.data[p + 1] = img.data[p + 2] = v;
      img.data[p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    canvas.toBlob((blob) => {
      if (!result || Number($('threshold').value) !== level) {
        return; // the slider moved on: a newer mask is on its way
      }
      const link = $('download');
      if (link.href.startsWith('blob:')) {
        URL.revokeObjectURL(link.href);
      }
      link.href = URL.createObjectURL(blob);
      link.download = `${name.replace(/\.[^.]*$/, '')}-mask.png`;
      link.dataset.level = String(level);
    }, 'image/png');
  }

  // ---- messages ----

  function status(text) {
    $('status').textContent = text;
  }

  function showError(text) {
    $('error').textContent = text;
    $('error').hidden = false;
  }

  function hideError() {
    $('error').textContent = '';
    $('error').hidden = true;
  }

  // ---- wiring ----

  function init() {
    $('file').addEventListener('change', (e) => {
      if (e.target.files.length > 0) {
        segment(e.target.files[0]);
      }
    });
    const drop = $('drop');
    // a photograph dropped elsewhere on the page must not make the browser navigate to it
    for (const type of ['dragover', 'drop']) {
      document.addEventListener(type, (e) => e.preventDefault());
    }
    drop.addEventListener('dragenter', () => drop.classList.add('over'));
    drop.addEventListener('dragover', (e) => {
      e.dataTransfer.dropEffect = 'copy';
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', (e) => {
      if (!drop.contains(e.relatedTarget)) {
        drop.classList.remove('over');
      }
    });
    drop.addEventListener('drop', (e) => {
      drop.classList.remove('over');
      if (e.dataTransfer.files.length > 0) {
        segment(e.dataTransfer.files[0]);
      }
    });
    for (const radio of document.querySelectorAll('input[name=tta]')) {
      radio.addEventListener('change', () => file && segment(file));
    }
    $('opacity').addEventListener('input', redraw);
    $('threshold').addEventListener('input', redraw);
    $('threshold-reset').addEventListener('click', () => {
      if (result) {
        $('threshold').value = String(result.cut);
        redraw();
      }
    });
    $('download').addEventListener('click', (e) => {
      if (!e.currentTarget.dataset.level) {
        e.preventDefault(); // the mask for the current threshold is still being made
      }
    });
    loadModel();
  }

  init();
})();
