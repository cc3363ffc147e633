package io.vesselseg.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vesselseg.VesselsegException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnsembleTrainingTest {

  @Test
  void oneLossServesEveryMemberAndAListGivesEachItsOwn() {
    assertEquals(List.of("bce", "bce", "bce"), EnsembleTraining.memberLosses("bce", 3));
    assertEquals(List.of("bce+dice"), EnsembleTraining.memberLosses("bce+dice", 1));
    assertEquals(List.of("bce+dice", "bce+dice", "bce", "bce"),
        EnsembleTraining.memberLosses("bce+dice, bce+dice,bce ,bce", 4));
  }

  @Test
  void aListThatDoesNotFitTheMembersOrNamesNoLossIsRefused() {
    var mismatch = assertThrows(VesselsegException.Usage.class,
        () -> EnsembleTraining.memberLosses("bce,bce+dice", 4));
    assertTrue(mismatch.getMessage().contains("names 2 losses for 4 members"), mismatch.getMessage());
    var unknown = assertThrows(VesselsegException.Usage.class,
        () -> EnsembleTraining.memberLosses("bce,dice", 2));
    assertTrue(unknown.getMessage().contains("'dice' is not a loss"), unknown.getMessage());
    var empty = assertThrows(VesselsegException.Usage.class, () -> EnsembleTraining.memberLosses("bce,", 2));
    assertTrue(empty.getMessage().contains("'' is not a loss"), empty.getMessage());
  }
}
