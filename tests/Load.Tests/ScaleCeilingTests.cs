using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;

namespace HashtagBench.Load.Tests;

/// <summary>--find-ceiling's arithmetic: the measured crossing between steps, and the model's by bisection.</summary>
public sealed class ScaleCeilingTests
{
    private static ScaleCeilingStep Step(double scale, double? peak) => new(scale, 1, 100, peak, null, null, null);

    [Fact]
    public void The_crossing_is_linear_between_the_last_step_under_the_target_and_the_first_over_it()
    {
        (double? s, string note) = ScaleCeiling.Crossing([Step(0.1, 20), Step(0.15, 50), Step(0.225, 90)], 70);
        Assert.Equal(0.1875, s!.Value, 6); // 0.15 + (70 − 50) / (90 − 50) × 0.075
        Assert.Contains("between 0.15× (50.0 %) and 0.225× (90.0 %)", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_without_a_measurement_is_skipped_and_no_crossing_is_null_not_the_last_scale()
    {
        Assert.Equal(0.2, ScaleCeiling.Crossing([Step(0.1, 35), Step(0.15, null), Step(0.3, 105)], 70).Scale!.Value, 6);
        (double? none, string why) = ScaleCeiling.Crossing([Step(0.1, 20), Step(0.15, 30)], 70);
        Assert.Null(none);
        Assert.StartsWith("not reached: 30.0 % at 0.15×", why, StringComparison.Ordinal);
        Assert.Null(ScaleCeiling.Crossing([Step(0.1, null)], 70).Scale);
    }

    [Fact]
    public void Over_the_target_at_the_first_step_scales_down_in_proportion_and_says_so()
    {
        (double? s, string note) = ScaleCeiling.Crossing([Step(0.2, 140)], 70);
        Assert.Equal(0.1, s!.Value, 6);
        Assert.Contains("through 0 % at scale 0", note, StringComparison.Ordinal);
    }

    [Fact]
    public void The_models_crossing_is_found_by_bisection_inside_the_known_bracket()
    {
        int calls = 0;
        double Cpu(double s) { calls++; return 0.8 * s; } // reaches 0.7 at 0.875
        (double? s, _) = ScaleCeiling.ModelCrossing(Cpu, 0.7, [(0.5, 0.4), (1.0, 0.8)]);
        Assert.Equal(0.875, s!.Value, 3);
        Assert.Equal(ScaleCeiling.ModelIterations, calls); // the bracket came from the known points: no call at full scale
    }

    [Fact]
    public void A_model_under_the_target_at_full_scale_has_no_crossing()
    {
        (double? s, string note) = ScaleCeiling.ModelCrossing(x => 0.3 * x, 0.7, [(0.1, 0.03)]);
        Assert.Null(s);
        Assert.Contains("under target at full scale (30.0 %)", note, StringComparison.Ordinal);
    }
}
