package io.vesselseg.cli;
public class Main { public static void main(String[] a) { } }
