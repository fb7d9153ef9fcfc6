namespace Kcm.Metrics.Tests;

public sealed class PrometheusExporterOptionsTests
{
    [Fact]
    public void Validate_EmptyPrefixAndUnsortedBoundaries_NamesBothFields()
    {
        var options = new PrometheusExporterOptions { MeterNamePrefix = "", DefaultHistogramBoundaries = [1, 0.5] };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(nameof(PrometheusExporterOptions.MeterNamePrefix), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(PrometheusExporterOptions.DefaultHistogramBoundaries), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new[] { 0.1, double.PositiveInfinity })]
    [InlineData(new[] { 0.1, 0.1 })]
    public void Validate_BadBoundaries_Throws(double[] boundaries)
    {
        var options = new PrometheusExporterOptions { DefaultHistogramBoundaries = boundaries };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Validate_Defaults_Passes()
    {
        new PrometheusExporterOptions().Validate();
    }
}
