var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("messagingdb");
builder.AddEventBus("eventbus");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
