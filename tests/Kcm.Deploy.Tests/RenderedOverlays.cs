namespace Kcm.Deploy.Tests;

/// <summary>Both overlays rendered once per test class (xunit class fixture).</summary>
public sealed class RenderedOverlays
{
    private readonly Lazy<RenderedOverlay> _dev = new(() => RenderedOverlay.Render("dev"));
    private readonly Lazy<RenderedOverlay> _prod = new(() => RenderedOverlay.Render("prod"));

    public RenderedOverlay this[string overlay] => overlay switch
    {
        "dev" => _dev.Value,
        "prod" => _prod.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(overlay), overlay, "Only dev and prod exist."),
    };
}
