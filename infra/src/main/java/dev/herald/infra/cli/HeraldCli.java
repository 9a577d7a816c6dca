package dev.herald.infra.cli;

/** Entry point of the {@code herald} command. */
public final class HeraldCli {
  private HeraldCli() {}

  public static void main(String[] args) {
    System.out.println("herald");
  }
}
