using Alle.AppHost;
using Alle.AppHost.Credentials;
using Alle.AppHost.Demo;
using Alle.AppHost.LocalServers;
using Alle.AppHost.Reporting;
using Alle.AppHost.Supervision;

var builder = DistributedApplication.CreateBuilder(AppHostArguments.Parse(args));

// Development credentials: generated on the first run, kept in user secrets, printed at start.
var adminKey = builder.AddCredential("admin-key");
var providerKey = builder.AddCredential("provider-key");
var memberTokenKey = builder.AddCredential("member-token-key", printed: false);
var portalWriteKey = builder.AddCredential("portal-write-key");
var mobileWriteKey = builder.AddCredential("mobile-write-key");
var loyaltyWriteKey = builder.AddCredential("loyalty-write-key");
var messagingWriteKey = builder.AddCredential("messaging-write-key");
var audiencesWriteKey = builder.AddCredential("audiences-write-key");
var twilioAccountSid = builder.AddTwilioCredential("twilio-account-sid", TwilioSandboxCredential.AccountSid);
var twilioAuthToken = builder.AddTwilioCredential("twilio-auth-token", TwilioSandboxCredential.AuthToken);
var twilioFrom = builder.AddParameter("twilio-from", "+15005550006", publishValueAsDefault: false);

// Servers from Debian's packages (no container engine here); existing or managed ones through ConnectionStrings__<name>.
var postgres = builder.AddPostgresServer("postgres");
var ingestionDb = postgres.AddDatabase("ingestiondb");
var warehouseDb = postgres.AddDatabase("warehousedb");
var profilesDb = postgres.AddDatabase("profilesdb");
var audiencesDb = postgres.AddDatabase("audiencesdb");
var messagingDb = postgres.AddDatabase("messagingdb");
var loyaltyDb = postgres.AddDatabase("loyaltydb");
var destinationsDb = postgres.AddDatabase("destinationsdb");
var operatorsDb = postgres.AddDatabase("operatorsdb");
var cache = builder.AddRedisServer("cache");
var eventBus = builder.AddRabbitMQServer("eventbus");

var ingestion = builder.AddProject<Projects.Ingestion>("ingestion")
    .WithReference(ingestionDb).WithReference(warehouseDb).WithReference(cache).WithReference(eventBus)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Ingestion__SeedSources__portal", portalWriteKey)
    .WithEnvironment("Ingestion__SeedSources__mobile", mobileWriteKey)
    .WithEnvironment("Ingestion__SeedSources__loyalty", loyaltyWriteKey)
    .WithEnvironment("Ingestion__SeedSources__messaging", messagingWriteKey)
    .WithEnvironment("Ingestion__SeedSources__audiences", audiencesWriteKey)
    .WaitFor(ingestionDb).WaitFor(warehouseDb).WaitFor(cache).WaitFor(eventBus);

var profiles = builder.AddProject<Projects.Profiles>("profiles")
    .WithReference(profilesDb).WithReference(cache).WithReference(eventBus).WithReference(ingestion)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WaitFor(profilesDb).WaitFor(cache).WaitFor(eventBus);

var loyalty = builder.AddProject<Projects.Loyalty>("loyalty")
    .WithReference(loyaltyDb).WithReference(cache).WithReference(eventBus).WithReference(ingestion)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Loyalty__ProviderKey", providerKey)
    .WithEnvironment("Tracking__WriteKey", loyaltyWriteKey)
    .WaitFor(loyaltyDb).WaitFor(eventBus);

var audiences = builder.AddProject<Projects.Audiences>("audiences")
    .WithReference(audiencesDb).WithReference(warehouseDb).WithReference(cache).WithReference(eventBus)
    .WithReference(ingestion).WithReference(profiles)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Tracking__WriteKey", audiencesWriteKey)
    .WaitFor(audiencesDb).WaitFor(warehouseDb).WaitFor(eventBus);

var messaging = builder.AddProject<Projects.Messaging>("messaging")
    .WithReference(messagingDb).WithReference(cache).WithReference(eventBus)
    .WithReference(ingestion).WithReference(profiles).WithReference(audiences).WithReference(loyalty)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Tracking__WriteKey", messagingWriteKey)
    .WithEnvironment("Twilio__AccountSid", twilioAccountSid)
    .WithEnvironment("Twilio__AuthToken", twilioAuthToken)
    .WithEnvironment("Twilio__From", twilioFrom)
    .WaitFor(messagingDb).WaitFor(cache).WaitFor(eventBus);

var destinations = builder.AddProject<Projects.Destinations>("destinations")
    .WithReference(destinationsDb).WithReference(eventBus).WithReference(ingestion).WithReference(profiles).WithReference(audiences)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WaitFor(destinationsDb).WaitFor(eventBus);

var web = builder.AddProject<Projects.Web>("web")
    .WithReference(operatorsDb).WithReference(cache).WithReference(ingestion).WithReference(profiles).WithReference(audiences)
    .WithReference(messaging).WithReference(loyalty).WithReference(destinations)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Tracking__WriteKey", portalWriteKey)
    .WaitFor(operatorsDb).WaitFor(cache);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithExternalHttpEndpoints()
    .WithReference(ingestion).WithReference(profiles).WithReference(audiences)
    .WithReference(messaging).WithReference(loyalty).WithReference(destinations).WithReference(web)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WaitFor(ingestion).WaitFor(profiles).WaitFor(audiences).WaitFor(messaging).WaitFor(loyalty).WaitFor(destinations).WaitFor(web);

// Twilio calls back through the public entry.
messaging.WithEnvironment("Messaging__PublicBaseUrl", gateway.GetEndpoint("http"));

// In development the sandbox stands in for Twilio's API (and its phones); a deployment talks to Twilio itself.
if (builder.ExecutionContext.IsRunMode)
{
    var twilioSandbox = builder.AddProject<Projects.TwilioSandbox>("twilio-sandbox")
        .WithReference(cache)
        .WithEnvironment("Sandbox__AccountSid", twilioAccountSid)
        .WithEnvironment("Sandbox__AuthToken", twilioAuthToken)
        .WithEnvironment("Sandbox__InboundWebhookUrl", ReferenceExpression.Create($"{gateway.GetEndpoint("http")}/webhooks/twilio/inbound"))
        .WaitFor(cache);
    messaging.WithReference(twilioSandbox)
        .WithEnvironment("Twilio__BaseUrl", twilioSandbox.GetEndpoint("http"))
        .WaitFor(twilioSandbox);
}

builder.ConfigureProjects()
    .RestartCrashedResources()
    .PrintStartupReport()
    .SeedDemoProgram();

builder.Build().Run();
