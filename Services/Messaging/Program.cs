using Alle.Messaging.Apis;
using Alle.Messaging.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapVerifyApi();
app.MapMessagesApi();
app.MapConsentApi();
app.MapJourneysApi();
app.MapWebhooksApi();
app.MapPrivacyApi();

app.Run();
