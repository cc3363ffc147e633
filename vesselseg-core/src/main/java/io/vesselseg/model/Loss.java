package io.vesselseg.model;

import java.util.Arrays;
import java.util.List;

/**
 * The training losses, by their {@code --loss} label. BCE is always there; soft Dice is added over the whole
 * batch; {@code bce+dice+cldice} splits the Dice weight evenly between soft Dice and soft clDice (Shit et al.,
 * CVPR 2021: Dice between each mask and the other's soft skeleton), which weighs the centre lines of thin
 * vessels as much as those of thick ones.
 */
public enum Loss {
  BCE_DICE("bce+dice"),
  BCE("bce"),
  BCE_DICE_CLDICE("bce+dice+cldice");

  private final String label;

  Loss(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Every label, the default first. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(Loss::label).toList();
  }

  /** The loss labelled {@code label}; null when there is none. */
  public static Loss named(String label) {
    return Arrays.stream(values()).filter(l -> l.label.equals(label)).findFirst().orElse(null);
  }
}
