using System.Net;
using Alle.Destinations.Network;

namespace Alle.UnitTests.Destinations;

/// <summary>Where destinations may point: public http(s) hosts; loopback only in development; private space only when allowed.</summary>
public sealed class DestinationUrlPolicyTests
{
    private static readonly DestinationUrlPolicy s_production = new(AllowLoopback: false, AllowPrivateNetworks: false);
    private static readonly DestinationUrlPolicy s_development = new(AllowLoopback: true, AllowPrivateNetworks: false);

    [Theory]
    [InlineData("https://hooks.example.com/segment")]
    [InlineData("http://api.example.org:8080/v1/events?x=1")]
    [InlineData("https://93.184.216.34/collect")]
    [InlineData("https://[2606:2800:220:1:248:1893:25c8:1946]/")]
    public void Public_http_and_https_urls_are_allowed(string url)
    {
        Assert.Null(s_production.Check(url, out var parsed));
        Assert.NotNull(parsed);
    }

    [Theory]
    [InlineData("ftp://files.example.com/x")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative/path")]
    [InlineData("https://user:password@hooks.example.com/")]
    [InlineData("https://hooks.example.com/#fragment")]
    [InlineData("http://profiles/api/profiles/lookup")]
    [InlineData("http://localhost:5080/")]
    [InlineData("http://127.0.0.1:9000/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://10.0.0.5/")]
    [InlineData("http://172.20.1.1/")]
    [InlineData("http://192.168.1.10/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://255.255.255.255/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("")]
    public void Other_schemes_credentials_internal_names_and_non_public_addresses_are_refused(string url)
    {
        Assert.NotNull(s_production.Check(url, out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void Development_allows_loopback_for_local_receivers_but_still_not_private_networks()
    {
        Assert.Null(s_development.Check("http://127.0.0.1:41234/hook", out _));
        Assert.Null(s_development.Check("http://localhost:41234/hook", out _));
        Assert.NotNull(s_development.Check("http://10.1.2.3/hook", out _));
        Assert.NotNull(s_development.Check("http://169.254.169.254/", out _));
    }

    [Fact]
    public void Private_networks_are_allowed_only_when_configured_and_never_the_unspecified_address()
    {
        var intranet = new DestinationUrlPolicy(AllowLoopback: false, AllowPrivateNetworks: true);

        Assert.True(intranet.IsAllowed(IPAddress.Parse("10.1.2.3")));
        Assert.True(intranet.IsAllowed(IPAddress.Parse("fd12::1")));
        Assert.False(intranet.IsAllowed(IPAddress.Loopback));
        Assert.False(intranet.IsAllowed(IPAddress.Any));
        Assert.False(intranet.IsAllowed(IPAddress.IPv6Any));
    }
}
