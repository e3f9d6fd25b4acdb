namespace HashtagBench.Keys.Tests;

public sealed class KeyInputTests
{
    public static TheoryData<string?, KeyInputProblem> BadIds => new()
    {
        { null, KeyInputProblem.Empty },
        { "", KeyInputProblem.Empty },
        { "   ", KeyInputProblem.Whitespace },
        { "evt{1}", KeyInputProblem.Brace },
        { "{}", KeyInputProblem.Brace },
        { "evt}", KeyInputProblem.Brace },
        { "evt\n1", KeyInputProblem.ControlCharacter },
        { "evt\u00001", KeyInputProblem.ControlCharacter },
        { new string('e', KeyInput.MaxIdBytes + 1), KeyInputProblem.TooLong },
        { new string('ü', KeyInput.MaxIdBytes / 2 + 1), KeyInputProblem.TooLong }, // 2 UTF-8 bytes each
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public void Bad_ids_are_rejected_with_a_typed_error(string? id, KeyInputProblem problem)
    {
        foreach (var (e, u, k, field) in new[] { (id, "u", "k", "eventId"), ("e", id, "k", "userId"), ("e", "u", id, "idempotencyKey") })
        {
            var ex = Assert.Throws<InvalidKeyInputException>(() => KeyStrategy.EventTag.Keys(e!, u!, k!));
            Assert.Equal(problem, ex.Problem);
            Assert.Equal(field, ex.Field);
            Assert.Contains(field, ex.Message);
        }
    }

    [Fact]
    public void Brace_error_explains_why_braces_break_co_location()
    {
        var ex = Assert.Throws<InvalidKeyInputException>(() => KeyInput.Validate("evt{}", "eventId"));
        Assert.Contains("co-location", ex.Message);
    }

    [Fact]
    public void The_longest_allowed_id_passes()
    {
        KeyInput.Validate(new string('e', KeyInput.MaxIdBytes), "eventId");
        KeyInput.Validate("user:123:evt_2025_1001:1728336000", "idempotencyKey");
        KeyInput.Validate("ünïcödé-用户", "userId");
    }
}
