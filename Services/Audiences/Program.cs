var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("audiencesdb");
builder.AddEventBus("eventbus");

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
