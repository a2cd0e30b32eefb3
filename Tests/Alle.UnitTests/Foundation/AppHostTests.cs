using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Alle.AppHost;
using Alle.AppHost.Credentials;
using Alle.AppHost.LocalServers;

namespace Alle.UnitTests.Foundation;

public sealed class AppHostTests
{
    [Fact]
    public void Friendly_switches_become_configuration_keys_and_other_arguments_pass_through()
    {
        var normalized = AppHostArguments.Normalize(["--reset", "--state-dir", "/tmp/s", "--random-ports", "--publisher", "manifest", "--Parameters:admin-key=x"]);

        Assert.Equal(["--AppHost:Reset=true", "--AppHost:StateDirectory=/tmp/s", "--AppHost:RandomPorts=true", "--publisher", "manifest",
            "--Parameters:admin-key=x"], normalized);
    }

    [Fact]
    public void Random_ports_give_the_dashboard_fresh_addresses_and_randomise_every_proxied_endpoint()
    {
        var arguments = AppHostArguments.Parse(["--random-ports"]).Args!;

        Assert.Contains("--DcpPublisher:RandomizePorts=true", arguments);
        var dashboard = Assert.Single(arguments, a => a.StartsWith("--ASPNETCORE_URLS=", StringComparison.Ordinal));
        Assert.Matches(@"^--ASPNETCORE_URLS=http://localhost:\d+$", dashboard);
        Assert.DoesNotContain("--ASPNETCORE_URLS=http://localhost:18888", arguments);
        Assert.Single(arguments, a => a.StartsWith("--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=", StringComparison.Ordinal));
        Assert.Single(arguments, a => a.StartsWith("--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("0.01", 0.01)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    public void The_trace_sample_ratio_is_read_from_configuration(string? setting, double? expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AppHost:TraceSampleRatio"] = setting }).Build();

        Assert.Equal(expected, ProjectDefaults.TraceSampleRatio(configuration));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void A_trace_sample_ratio_outside_0_to_1_stops_the_start(string setting)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AppHost:TraceSampleRatio"] = setting }).Build();

        Assert.Contains("from 0 to 1", Assert.Throws<InvalidOperationException>(() => ProjectDefaults.TraceSampleRatio(configuration)).Message);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("true", null, false)]
    [InlineData("true", "2", true)]
    public void Direct_endpoints_leave_out_the_orchestrators_proxy_unless_a_service_has_replicas(string? direct, string? replicas, bool proxied)
    {
        var builder = DistributedApplication.CreateBuilder(["--AppHost:DirectEndpoints=" + (direct ?? "false"), .. replicas is null ? Array.Empty<string>() : [$"--AppHost:Replicas:ingestion={replicas}"]]);
        builder.AddProject("ingestion", Path.Combine(AppContext.BaseDirectory, "Ingestion.csproj"), options => options.ExcludeLaunchProfile = true).WithHttpEndpoint();

        builder.ConfigureProjects();

        var project = Assert.Single(builder.Resources.OfType<ProjectResource>());
        Assert.Equal(proxied, project.Annotations.OfType<ProxySupportAnnotation>().LastOrDefault()?.ProxyEnabled ?? true);
    }

    [Fact]
    public void A_missing_server_program_names_the_debian_package_to_install()
    {
        var exception = Assert.Throws<MissingServerException>(() => ServerPrograms.Find("no-such-server-program", "no-such-package"));

        Assert.Equal("no-such-package", exception.DebianPackage);
        Assert.Contains("apt-get install -y no-such-package", exception.Message);
    }

    [Fact]
    public void Sandbox_credentials_have_twilio_shapes_and_never_repeat()
    {
        var sids = Enumerable.Range(0, 50).Select(_ => TwilioSandboxCredential.AccountSid.GetDefaultValue()).ToList();
        var tokens = Enumerable.Range(0, 50).Select(_ => TwilioSandboxCredential.AuthToken.GetDefaultValue()).ToList();

        Assert.All(sids, sid => Assert.Matches("^AC[0-9a-f]{32}$", sid));
        Assert.All(tokens, token => Assert.Matches("^[0-9a-f]{32}$", token));
        Assert.Equal(50, sids.Distinct().Count());
        Assert.Equal(50, tokens.Distinct().Count());
    }
}
