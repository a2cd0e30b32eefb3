using Alle.AppHost.LocalServers;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Alle.UnitTests.Foundation;

/// <summary>Servers the AppHost is given instead of starting its own: nothing local is declared, connection strings pass through.</summary>
public sealed class ExistingServerTests
{
    [Fact]
    public async Task A_server_connection_string_replaces_the_local_server_and_names_each_database()
    {
        var builder = DistributedApplication.CreateBuilder(["--ConnectionStrings:postgres=Host=db.example.internal;Username=alle;Password=pw"]);

        var profiles = builder.AddPostgresServer("postgres").AddDatabase("profilesdb");

        Assert.DoesNotContain(builder.Resources, r => r is ExecutableResource);
        Assert.Equal("Host=db.example.internal;Username=alle;Password=pw;Database=profilesdb",
            await profiles.Resource.ConnectionStringExpression.GetValueAsync(default));
    }

    [Fact]
    public async Task A_database_connection_string_is_used_as_given()
    {
        var builder = DistributedApplication.CreateBuilder([
            "--ConnectionStrings:postgres=Host=db.example.internal", "--ConnectionStrings:profilesdb=Host=managed.example.internal;Database=profiles_prod"]);

        var profiles = builder.AddPostgresServer("postgres").AddDatabase("profilesdb");

        Assert.Equal("Host=managed.example.internal;Database=profiles_prod", await profiles.Resource.ConnectionStringExpression.GetValueAsync(default));
    }

    [Fact]
    public async Task An_existing_broker_and_cache_replace_the_local_node_its_port_mapper_and_redis()
    {
        var builder = DistributedApplication.CreateBuilder([
            "--ConnectionStrings:eventbus=amqp://user:pw@mq.example.internal:5672/", "--ConnectionStrings:cache=cache.example.internal:6380,ssl=true"]);

        var eventBus = builder.AddRabbitMQServer("eventbus");
        var cache = builder.AddRedisServer("cache");

        Assert.DoesNotContain(builder.Resources, r => r is ExecutableResource);
        Assert.Equal("amqp://user:pw@mq.example.internal:5672/", await eventBus.Resource.ConnectionStringExpression.GetValueAsync(default));
        Assert.Equal("cache.example.internal:6380,ssl=true", await cache.Resource.ConnectionStringExpression.GetValueAsync(default));
    }
}
