using Alle.Platform.DeadLetters;

namespace Alle.UnitTests.Platform;

public sealed class DeadLetterSelectionTests
{
    [Fact]
    public void All_selects_the_whole_queue()
    {
        var (ids, errors) = DeadLetterSelection.Validate(new DeadLetterSelection(null, true));

        Assert.Null(ids);
        Assert.Empty(errors);
    }

    [Fact]
    public void Named_ids_are_read_once_each()
    {
        var id = Guid.NewGuid();

        var (ids, errors) = DeadLetterSelection.Validate(new DeadLetterSelection([id.ToString(), id.ToString("N").ToUpperInvariant()], null));

        Assert.Empty(errors);
        Assert.Equal([id], ids!);
    }

    [Fact]
    public void Nothing_named_is_refused_rather_than_taken_for_all()
    {
        Assert.Contains("body", DeadLetterSelection.Validate(null).Errors.Keys);
        Assert.Contains("body", DeadLetterSelection.Validate(new DeadLetterSelection(null, null)).Errors.Keys);
        Assert.Contains("body", DeadLetterSelection.Validate(new DeadLetterSelection(null, false)).Errors.Keys);
        Assert.Contains("messageIds", DeadLetterSelection.Validate(new DeadLetterSelection([], null)).Errors.Keys);
    }

    [Fact]
    public void All_and_ids_together_are_refused() =>
        Assert.Contains("all", DeadLetterSelection.Validate(new DeadLetterSelection([Guid.NewGuid().ToString()], true)).Errors.Keys);

    [Fact]
    public void Ids_that_are_not_guids_are_named_in_the_errors()
    {
        var (_, errors) = DeadLetterSelection.Validate(new DeadLetterSelection([Guid.NewGuid().ToString(), "42", ""], null));

        Assert.Equal(["messageIds[1]", "messageIds[2]"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Too_many_ids_are_refused() =>
        Assert.Contains("messageIds", DeadLetterSelection.Validate(
            new DeadLetterSelection([.. Enumerable.Range(0, DeadLettersApi.MaxMessageIds + 1).Select(_ => Guid.NewGuid().ToString())], null)).Errors.Keys);
}
