namespace Kcm.Client.Tests;

public sealed class KcmClientOptionsTests
{
    [Fact]
    public void Validate_SeveralBadFields_NamesEachOfThem()
    {
        var options = new KcmClientOptions
        {
            Model = " ",
            AttemptTimeout = TimeSpan.FromSeconds(30),
            OverallTimeout = TimeSpan.FromSeconds(10),
            MaxRetries = -1,
            MaxBatchSize = 0,
            MaxConcurrency = 0,
            AdminToken = "has space",
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        foreach (var field in new[] { "Model", "OverallTimeout", "MaxRetries", "MaxBatchSize", "MaxConcurrency", "AdminToken" })
        {
            Assert.Contains(field, error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("BaseDelay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new KcmClient(new Uri("http://localhost/"), new KcmClientOptions { MaxRetries = 99 }));
    }

    [Fact]
    public void Constructor_HttpClientWithoutBaseAddress_Throws()
    {
        using var http = new HttpClient();

        var error = Assert.Throws<ArgumentException>(() => new KcmClient(http));

        Assert.Contains("BaseAddress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoRetries_IsAllowed()
    {
        using var client = new KcmClient(new Uri("http://localhost/"), new KcmClientOptions { MaxRetries = 0 });

        Assert.Equal(0, client.Options.MaxRetries);
    }
}
