package io.nfeval.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file a command writes where the user said: a regular file (or a new one) is written beside itself
 * and moved into place, so nobody reads it half-written and a failed run leaves the old one; anything
 * else that exists ({@code /dev/null}, {@code /dev/stdout}, a FIFO) is written directly, as a shell
 * redirection would, since renaming over it would replace the device node or pipe itself. A symbolic
 * link to a file is followed: the file is replaced, the link stays.
 *
 * @param path where the output ends up
 * @param writeTo where to write it: a temporary file beside {@code path}, or {@code path} itself
 */
public record OutputFile(Path path, Path writeTo) {

  /** The output for {@code target}, creating missing parent directories. */
  public static OutputFile of(Path target) throws IOException {
    final Path abs = target.toAbsolutePath();
    if (Files.exists(abs) && !Files.isRegularFile(abs)) { // both follow links
      if (Files.isDirectory(abs)) {
        throw new IOException(abs + " is a directory");
      }
      return new OutputFile(abs, abs); // a device, FIFO or socket
    }
    final Path real = Files.isSymbolicLink(abs) && Files.exists(abs) ? abs.toRealPath() : abs;
    if (real.getParent() != null) {
      Files.createDirectories(real.getParent());
    }
    return new OutputFile(real, real.resolveSibling("." + real.getFileName() + ".tmp"));
  }

  /** Whether the output is written in place (not a regular file). */
  public boolean direct() {
    return writeTo.equals(path);
  }

  /** Puts what was written to {@link #writeTo} in place; call once it is closed. */
  public void commit() throws IOException {
    if (!direct()) {
      Files.move(writeTo, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** Writes {@code text} (UTF-8) and commits it. */
  public static void writeString(Path target, String text) throws IOException {
    final OutputFile f = of(target);
    Files.writeString(f.writeTo(), text, java.nio.charset.StandardCharsets.UTF_8);
    f.commit();
  }
}
