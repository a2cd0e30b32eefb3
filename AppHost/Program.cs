using Alle.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// Development secrets: generated on first run, kept in the state folder, printed at start.
var adminKey = builder.AddSecret("admin-key", "admin key");
var providerKey = builder.AddSecret("provider-key", "provider key");
var memberTokenKey = builder.AddSecret("member-token-key", "member token signing key", showAtStart: false);
var portalWriteKey = builder.AddSecret("portal-write-key", "portal write key");
var mobileWriteKey = builder.AddSecret("mobile-write-key", "mobile write key");
var loyaltyWriteKey = builder.AddSecret("loyalty-write-key", "loyalty write key");
var messagingWriteKey = builder.AddSecret("messaging-write-key", "messaging write key");
var audiencesWriteKey = builder.AddSecret("audiences-write-key", "audiences write key");
var twilioAccountSid = builder.AddSecret("twilio-account-sid", "twilio account sid", TwilioCredentials.NewAccountSid);
var twilioAuthToken = builder.AddSecret("twilio-auth-token", "twilio auth token", TwilioCredentials.NewAuthToken);

var postgres = builder.AddPostgres("postgres");
var ingestionDb = postgres.AddDatabase("ingestiondb");
var warehouseDb = postgres.AddDatabase("warehousedb");
var profilesDb = postgres.AddDatabase("profilesdb");
var audiencesDb = postgres.AddDatabase("audiencesdb");
var messagingDb = postgres.AddDatabase("messagingdb");
var loyaltyDb = postgres.AddDatabase("loyaltydb");
var cache = builder.AddRedis("cache");
var eventBus = builder.AddRabbitMQ("eventbus");

var twilioSandbox = builder.AddProject<Projects.TwilioSandbox>("twilio-sandbox")
    .WithReference(cache)
    .WithEnvironment("Sandbox__AccountSid", twilioAccountSid)
    .WithEnvironment("Sandbox__AuthToken", twilioAuthToken)
    .WaitFor(cache);

var ingestion = builder.AddProject<Projects.Ingestion>("ingestion")
    .WithReference(ingestionDb).WithReference(warehouseDb).WithReference(cache).WithReference(eventBus)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Ingestion__SeedSources__portal", portalWriteKey)
    .WithEnvironment("Ingestion__SeedSources__mobile", mobileWriteKey)
    .WithEnvironment("Ingestion__SeedSources__loyalty", loyaltyWriteKey)
    .WithEnvironment("Ingestion__SeedSources__messaging", messagingWriteKey)
    .WithEnvironment("Ingestion__SeedSources__audiences", audiencesWriteKey)
    .WaitFor(postgres).WaitFor(cache).WaitFor(eventBus);

var profiles = builder.AddProject<Projects.Profiles>("profiles")
    .WithReference(profilesDb).WithReference(cache).WithReference(eventBus).WithReference(ingestion)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WaitFor(postgres).WaitFor(cache).WaitFor(eventBus);

var loyalty = builder.AddProject<Projects.Loyalty>("loyalty")
    .WithReference(loyaltyDb).WithReference(cache).WithReference(eventBus).WithReference(ingestion)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Loyalty__ProviderKey", providerKey)
    .WithEnvironment("Tracking__WriteKey", loyaltyWriteKey)
    .WaitFor(postgres).WaitFor(eventBus);

var audiences = builder.AddProject<Projects.Audiences>("audiences")
    .WithReference(audiencesDb).WithReference(warehouseDb).WithReference(cache).WithReference(eventBus)
    .WithReference(ingestion).WithReference(profiles)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Tracking__WriteKey", audiencesWriteKey)
    .WaitFor(postgres).WaitFor(eventBus);

var messaging = builder.AddProject<Projects.Messaging>("messaging")
    .WithReference(messagingDb).WithReference(cache).WithReference(eventBus)
    .WithReference(ingestion).WithReference(profiles).WithReference(loyalty).WithReference(twilioSandbox)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Tracking__WriteKey", messagingWriteKey)
    .WithEnvironment("Twilio__BaseUrl", twilioSandbox.GetEndpoint())
    .WithEnvironment("Twilio__AccountSid", twilioAccountSid)
    .WithEnvironment("Twilio__AuthToken", twilioAuthToken)
    .WithEnvironment("Twilio__From", "+15005550006")
    .WaitFor(postgres).WaitFor(cache).WaitFor(eventBus).WaitFor(twilioSandbox);

var web = builder.AddProject<Projects.Web>("web")
    .WithReference(cache).WithReference(ingestion).WithReference(profiles).WithReference(audiences)
    .WithReference(messaging).WithReference(loyalty)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WithEnvironment("Alle__MemberTokenKey", memberTokenKey)
    .WithEnvironment("Tracking__WriteKey", portalWriteKey)
    .WaitFor(cache);

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithExternalHttpEndpoints()
    .WithReference(ingestion).WithReference(profiles).WithReference(audiences)
    .WithReference(messaging).WithReference(loyalty).WithReference(web)
    .WithEnvironment("Alle__AdminKey", adminKey)
    .WaitFor(ingestion).WaitFor(profiles).WaitFor(audiences).WaitFor(messaging).WaitFor(loyalty).WaitFor(web);

// Twilio calls back through the public entry, as it would in production.
messaging.WithEnvironment("Messaging__PublicBaseUrl", gateway.GetEndpoint());
twilioSandbox.WithEnvironment("Sandbox__InboundWebhookUrl", ReferenceExpression.Create($"{gateway.GetEndpoint()}/webhooks/twilio/inbound"));

builder.Build().Run();
