namespace Alle.Bench.Ingestion;

internal static class Warm
{
    /// <summary>Sends <paramref name="count"/> successful requests (JIT, connection pools), waiting out a busy service's 503s and 429s.</summary>
    public static async Task UpAsync(Func<Task<HttpResponseMessage>> send, int count)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        for (var succeeded = 0; succeeded < count;)
        {
            using var response = await send();
            if (response.IsSuccessStatusCode)
            {
                succeeded++;
                continue;
            }
            if (DateTime.UtcNow > deadline)
            {
                response.EnsureSuccessStatusCode();
            }
            await Task.Delay(TimeSpan.FromSeconds(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 1));
        }
    }
}
