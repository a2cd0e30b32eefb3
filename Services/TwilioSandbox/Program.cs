using Alle.TwilioSandbox.Apis;
using Alle.TwilioSandbox.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSandboxServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapTwilioMessagesApi();
app.MapInboxApi();

app.Run();
