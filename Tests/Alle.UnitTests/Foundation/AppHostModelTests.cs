using Alle.Hosting;

namespace Alle.UnitTests.Foundation;

public sealed class AppHostModelTests
{
    [Fact]
    public void Friendly_switches_become_configuration_keys_and_other_arguments_pass_through()
    {
        var normalized = AppHostOptions.NormalizeArguments(["--reset", "--state-dir", "/tmp/s", "--publisher", "manifest", "--Parameters:admin-key=x"]);

        Assert.Equal(["--AppHost:Reset=true", "--AppHost:StateDirectory=/tmp/s", "--AppHost:Publisher=manifest", "--Parameters:admin-key=x"], normalized);
    }

    [Fact]
    public void A_reference_expression_renders_values_at_run_time_and_placeholders_in_the_manifest()
    {
        var secret = new ParameterResource("admin-key", "admin key", () => "generated");
        secret.SetValue("s3cret");

        var expression = ReferenceExpression.Create($"key={secret};mode=strict");

        Assert.Equal("key=s3cret;mode=strict", expression.GetValue());
        Assert.Equal("key={admin-key.value};mode=strict", expression.ManifestExpression);
    }

    [Fact]
    public void Generated_keys_are_url_safe_and_never_repeat()
    {
        var keys = Enumerable.Range(0, 100).Select(_ => ParameterResource.RandomKey()).ToList();

        Assert.Equal(100, keys.Distinct().Count());
        Assert.All(keys, key => Assert.Matches("^[A-Za-z0-9_-]{43}$", key));
    }

    [Fact]
    public void A_missing_server_program_names_the_debian_package_to_install()
    {
        var exception = Assert.Throws<MissingServerException>(() => ServerBinaries.Find("no-such-server-program", "no-such-package"));

        Assert.Equal("no-such-package", exception.DebianPackage);
        Assert.Contains("apt-get install -y no-such-package", exception.Message);
    }

    [Fact]
    public void Declaring_two_resources_with_one_name_is_refused()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        builder.AddRedis("cache");

        Assert.Throws<InvalidOperationException>(() => builder.AddRedis("cache"));
    }
}
