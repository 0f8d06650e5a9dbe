package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/** {@code -m comment --comment TEXT} ({@code xt_comment.c}): always matches; at most 255 bytes. */
public final class CommentMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("comment",
      List.of(OptSpec.arg("comment")), Map.of(), CommentMatch::new);

  private final String comment;

  private CommentMatch(Opts o, ExtContext c) {
    o.require("comment: --comment is required", "comment");
    comment = o.str("comment");
    if (comment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
      throw new ExtException("comment may not exceed 255 characters");
    }
  }

  public String comment() { return comment; }

  @Override
  public String name() {
    return "comment";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m comment --comment");
    Save.string(sb, comment);
  }

  /** comment_mt: always true. */
  @Override
  public boolean matches(PacketContext ctx) {
    return true;
  }
}
