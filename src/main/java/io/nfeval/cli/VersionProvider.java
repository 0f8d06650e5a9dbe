package io.nfeval.cli;

import picocli.CommandLine;

/** Version from the jar manifest, or "dev" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"nfeval " + (v == null ? "dev" : v)};
  }
}
