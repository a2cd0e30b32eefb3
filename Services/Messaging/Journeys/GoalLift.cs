namespace Alle.Messaging.Journeys;

/// <summary>One arm of a random split: how many entries took it, how many of them met the goal.</summary>
internal sealed record ArmTally(string Name, bool Holdout, long Entered, long Converted);

/// <summary>
/// An arm's conversion against the holdout's: <see cref="Lift"/> in percentage points (its rate minus the holdout's),
/// <see cref="RelativeLift"/> as a fraction of the holdout's rate; null without a holdout (or, relative, when the holdout
/// converted nobody).
/// </summary>
internal sealed record ArmCounts(string Name, bool Holdout, long Entered, long Converted, double ConversionRate, double? Lift, double? RelativeLift);

internal sealed record SplitLift(string StepId, IReadOnlyList<ArmCounts> Arms);

/// <summary>Conversion per path and the lift of each path over the holdout: what the messages measurably changed.</summary>
internal static class GoalLift
{
    public static double Rate(long converted, long entered) => entered == 0 ? 0 : (double)converted / entered;

    public static IReadOnlyList<ArmCounts> Compare(IReadOnlyList<ArmTally> arms)
    {
        var holdout = arms.FirstOrDefault(arm => arm.Holdout);
        var holdoutRate = holdout is null ? (double?)null : Rate(holdout.Converted, holdout.Entered);
        return [.. arms.Select(arm =>
        {
            var rate = Rate(arm.Converted, arm.Entered);
            return new ArmCounts(arm.Name, arm.Holdout, arm.Entered, arm.Converted, rate,
                holdoutRate is { } baseline && !arm.Holdout ? (rate - baseline) * 100 : null,
                holdoutRate is { } rate0 && rate0 > 0 && !arm.Holdout ? rate / rate0 - 1 : null);
        })];
    }
}
