using Alle.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Alle.UnitTests.Foundation;

public sealed class ExistingServerTests
{
    private static RunContext ContextWith(Dictionary<string, string?> settings) => new(
        new AppHostOptions { StateDirectory = "/nonexistent/state" },
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build(),
        NullLoggerFactory.Instance);

    [Fact]
    public void A_server_connection_string_in_configuration_replaces_the_local_server_and_names_each_database()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var postgres = builder.AddPostgres("postgres");
        var profiles = postgres.AddDatabase("profilesdb");
        var context = ContextWith(new() { ["ConnectionStrings:postgres"] = "Host=db.example.internal;Username=alle;Password=pw" });

        postgres.Resource.Configure(context);
        profiles.Resource.Context = context;

        Assert.True(postgres.Resource.IsExternal);
        Assert.Equal("Host=db.example.internal;Username=alle;Password=pw;Database=profilesdb", profiles.Resource.ConnectionString.GetValue());
    }

    [Fact]
    public void A_database_connection_string_in_configuration_is_used_as_given()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var postgres = builder.AddPostgres("postgres");
        var profiles = postgres.AddDatabase("profilesdb");
        var context = ContextWith(new() { ["ConnectionStrings:profilesdb"] = "Host=managed.example.internal;Database=profiles_prod" });

        postgres.Resource.Configure(context);
        profiles.Resource.Context = context;

        Assert.False(postgres.Resource.IsExternal);
        Assert.Equal("Host=managed.example.internal;Database=profiles_prod", profiles.Resource.ConnectionString.GetValue());
    }

    [Fact]
    public void An_existing_broker_also_replaces_its_port_mapper()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var broker = builder.AddRabbitMQ("eventbus");
        var context = ContextWith(new() { ["ConnectionStrings:eventbus"] = "amqp://user:pw@mq.example.internal:5672/" });

        broker.Resource.PortMapper.Configure(context);
        broker.Resource.Configure(context);

        Assert.True(broker.Resource.IsExternal);
        Assert.True(broker.Resource.PortMapper.IsExternal);
        Assert.Equal("amqp://user:pw@mq.example.internal:5672/", broker.Resource.ConnectionString.GetValue());
    }
}
