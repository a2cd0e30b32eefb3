using System.Text.Json;
using System.Text.Json.Nodes;

namespace Alle.Hosting;

/// <summary>
/// Writes the resource graph as a deployment manifest in the format .NET Aspire tools read (resources of type
/// <c>project.v0</c>, <c>container.v0</c>, <c>value.v0</c>, <c>parameter.v0</c> with <c>{resource.property}</c>
/// placeholders), so Azure Container Apps deployment tooling can turn it into one container app per service.
/// </summary>
internal static class ManifestWriter
{
    public static string Write(DistributedApplicationModel model, string outputPath)
    {
        var fullPath = Path.GetFullPath(outputPath);
        var manifestDirectory = Path.GetDirectoryName(fullPath)!;
        var resources = new JsonObject();
        foreach (var resource in model.Resources)
        {
            if (resource.Name == DashboardApi.TokenParameterName)
            {
                continue;
            }
            var node = Describe(resource, manifestDirectory);
            if (node is not null)
            {
                resources[resource.Name] = node;
            }
        }

        Directory.CreateDirectory(manifestDirectory);
        File.WriteAllText(fullPath, new JsonObject { ["resources"] = resources }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return fullPath;
    }

    private static JsonObject? Describe(IResource resource, string manifestDirectory) => resource switch
    {
        ParameterResource parameter => new JsonObject
        {
            ["type"] = "parameter.v0",
            ["value"] = $"{{{parameter.Name}.inputs.value}}",
            ["inputs"] = new JsonObject
            {
                ["value"] = new JsonObject
                {
                    ["type"] = "string",
                    ["secret"] = true,
                    ["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = 32, ["special"] = false } },
                },
            },
        },
        PostgresServerResource postgres => Container(postgres, "postgres:15", 5432,
            $"Host={{{postgres.Name}.bindings.tcp.host}};Port={{{postgres.Name}.bindings.tcp.port}};Username=postgres;Password={{{postgres.Password.Name}.value}}",
            new() { ["POSTGRES_HOST_AUTH_METHOD"] = "scram-sha-256", ["POSTGRES_USER"] = "postgres", ["POSTGRES_PASSWORD"] = $"{{{postgres.Password.Name}.value}}" }),
        PostgresDatabaseResource database => new JsonObject
        {
            ["type"] = "value.v0",
            ["connectionString"] = $"{{{database.Server.Name}.connectionString}};Database={database.DatabaseName}",
        },
        RedisResource redis => Container(redis, "redis:7", 6379,
            $"{{{redis.Name}.bindings.tcp.host}}:{{{redis.Name}.bindings.tcp.port}},password={{{redis.Password.Name}.value}}",
            [], ["--requirepass", $"{{{redis.Password.Name}.value}}", "--appendonly", "yes"]),
        RabbitMQServerResource rabbit => Container(rabbit, "rabbitmq:3", 5672,
            $"amqp://alle:{{{rabbit.Password.Name}.value}}@{{{rabbit.Name}.bindings.tcp.host}}:{{{rabbit.Name}.bindings.tcp.port}}/",
            new() { ["RABBITMQ_DEFAULT_USER"] = "alle", ["RABBITMQ_DEFAULT_PASS"] = $"{{{rabbit.Password.Name}.value}}" }),
        ProjectResource project => Project(project, manifestDirectory),
        _ => null,
    };

    private static JsonObject Container(RunnableResource resource, string image, int targetPort, string connectionString,
        Dictionary<string, string> environment, string[]? args = null)
    {
        var node = new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = connectionString,
            ["image"] = image,
            ["env"] = ToJson(environment),
            ["bindings"] = new JsonObject
            {
                ["tcp"] = new JsonObject { ["scheme"] = "tcp", ["protocol"] = "tcp", ["transport"] = "tcp", ["targetPort"] = targetPort },
            },
        };
        if (args is not null)
        {
            node["args"] = new JsonArray([.. args.Select(a => JsonValue.Create(a))]);
        }
        return node;
    }

    private static JsonObject Project(ProjectResource project, string manifestDirectory)
    {
        var environment = new Dictionary<string, string>
        {
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true",
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            ["HTTP_PORTS"] = $"{{{project.Name}.bindings.http.targetPort}}",
        };
        foreach (var reference in project.References)
        {
            switch (reference)
            {
                case IResourceWithConnectionString withConnectionString:
                    environment[$"ConnectionStrings__{reference.Name}"] = withConnectionString.ConnectionString.ManifestExpression;
                    break;
                case IResourceWithEndpoints withEndpoints:
                    foreach (var endpoint in withEndpoints.Endpoints)
                    {
                        environment[$"services__{reference.Name}__{endpoint.Name}__0"] = $"{{{reference.Name}.bindings.{endpoint.Name}.url}}";
                    }
                    break;
            }
        }
        foreach (var (key, value) in project.Environment)
        {
            environment[key] = value.ManifestExpression;
        }

        return new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(manifestDirectory, project.Metadata.ProjectPath),
            ["env"] = ToJson(environment),
            ["bindings"] = new JsonObject
            {
                ["http"] = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http", ["external"] = project.IsExternalHttp },
            },
        };
    }

    private static JsonObject ToJson(Dictionary<string, string> values)
    {
        var node = new JsonObject();
        foreach (var (key, value) in values)
        {
            node[key] = value;
        }
        return node;
    }
}
