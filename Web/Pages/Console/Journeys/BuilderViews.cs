using Alle.Web.Journeys;

namespace Alle.Web.Pages.Console.Journeys;

/// <summary>One step of the builder: the page (for its lists, previews and errors) and the step's place in the list.</summary>
public sealed record StepView(JourneyBuilderPage Page, int Index)
{
    public StepForm Step => Page.Form.Steps[Index];

    public string Name => $"Form.Steps[{Index}]";

    public string IdPrefix => $"s{Index}";
}

/// <summary>Property filter rows (a trigger's, a goal's, a wait_for's): the rows there are and one blank to add another.</summary>
public sealed record FilterRowsView(string Name, string IdPrefix, string Legend, IReadOnlyList<FilterRow> Rows);

/// <summary>A span as a number and a unit.</summary>
public sealed record DurationView(string Name, string IdPrefix, string Label, DurationInput Duration, string? Hint = null);
