using Alle.Gateway;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();

app.UseGateway();
app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();
