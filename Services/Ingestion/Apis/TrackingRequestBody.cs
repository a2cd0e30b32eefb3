using System.Buffers;
using System.IO.Compression;

namespace Alle.Ingestion.Apis;

/// <summary>Reads a Tracking API body into memory, decompressing gzip, and stops as soon as it exceeds its limit.</summary>
internal static class TrackingRequestBody
{
    /// <returns>The body, or null when it is larger than <paramref name="limit"/> bytes (after decompression).</returns>
    /// <exception cref="InvalidDataException">The body claims gzip but is not.</exception>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        // No shortcut on a declared Content-Length over the limit: reading is what lets the gateway in front refuse bodies
        // over its own limit with 413 before they travel further; past our limit we stop reading anyway.
        var body = IsGzip(request) ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : request.Body;
        try
        {
            var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length && length <= limit ? (int)length + 1 : 16 * 1024);
            while (true)
            {
                var memory = buffer.GetMemory(8 * 1024);
                var read = await body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    return buffer.WrittenMemory;
                }
                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            if (!ReferenceEquals(body, request.Body))
            {
                await body.DisposeAsync();
            }
        }
    }

    private static bool IsGzip(HttpRequest request) =>
        request.Headers.ContentEncoding.Any(encoding => string.Equals(encoding?.Trim(), "gzip", StringComparison.OrdinalIgnoreCase));
}
