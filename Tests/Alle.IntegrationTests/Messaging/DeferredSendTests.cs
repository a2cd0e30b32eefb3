using Npgsql;

namespace Alle.IntegrationTests.Messaging;

/// <summary>The dispatcher resumes a deferred message when its time comes — not before, and without dropping it.</summary>
[Collection(StackCollection.Name)]
public sealed class DeferredSendTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    [Fact]
    public async Task A_deferred_message_is_sent_when_its_time_comes()
    {
        var phone = MessagingClient.NewPhone();
        var id = Guid.NewGuid();
        var notBefore = DateTimeOffset.UtcNow.AddSeconds(4);
        // As quiet hours leave a message: deferred, with the instant they end.
        await using (var dataSource = NpgsqlDataSource.Create(app.ConnectionString("messagingdb")))
        await using (var insert = dataSource.CreateCommand("""
            INSERT INTO messages (id, idempotency_key, to_phone, category, body, encoding, segments, status, skip_reason, not_before, purpose, created_at, updated_at)
            VALUES ($1, $2, $3, 'transactional', 'Good morning!', 'GSM-7', 1, 'deferred', 'quiet_hours', $4, 'test', now(), now())
            """))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue($"test:{id:N}");
            insert.Parameters.AddWithValue(phone);
            insert.Parameters.AddWithValue(notBefore);
            await insert.ExecuteNonQueryAsync();
        }

        var early = await _messaging.MessageAsync(id.ToString());
        var delivered = await _messaging.WaitForStatusAsync(id.ToString(), "delivered");

        Assert.Equal("deferred", early.GetProperty("status").GetString());
        var sending = delivered.GetProperty("history").EnumerateArray().Single(h => h.GetProperty("status").GetString() == "sending");
        Assert.True(sending.GetProperty("at").GetDateTimeOffset() >= notBefore, "sent only once due");
        Assert.Single(await _messaging.MessagesToAsync(phone));
    }
}
