using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Gyre.Core.ServerApi;
using Gyre.Protocol;
using Gyre.Protocol.Api;
using Gyre.Protocol.Json;
using Microsoft.AspNetCore.Http;

namespace Gyre.AspNetCore.HttpApi;

/// <summary>
/// Centrifugo's legacy single endpoint, <c>POST /api</c>: whitespace-separated <c>{"id", "method", "params"}</c>
/// commands, answered with one <c>{"id", "error", "result"}</c> object per line. Each command is rewritten into
/// a batch <see cref="Command"/> and run by the same executor, so no method logic lives here.
/// </summary>
internal static class LegacyApi
{
    /// <summary>Method names and numbers as Centrifugo's legacy API accepts them (names case-insensitively).</summary>
    private static readonly string[] Methods =
        ["publish", "broadcast", "unsubscribe", "disconnect", "presence", "presence_stats", "history", "history_remove", "channels", "info", "rpc", "subscribe", "refresh"];

    public static async Task HandleAsync(HttpContext context, ApiExecutor executor, Func<HttpRequest, bool> authorized)
    {
        if (!authorized(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var body = await HttpApiEndpoints.ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        List<(uint Id, string? Method, byte[] Params)> commands;
        try
        {
            commands = ReadCommands(body.Value.Span);
        }
        catch (Exception e) when (e is JsonException or ProtocolException or InvalidOperationException)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("Bad Request\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var output = new ArrayBufferWriter<byte>();
        foreach (var (id, method, parameters) in commands)
        {
            if (output.WrittenCount > 0)
            {
                output.Write("\n"u8);
            }

            Reply reply;
            if (method is null)
            {
                reply = new Reply { Error = ApiErrors.NotFound };
            }
            else
            {
                Command command;
                try
                {
                    command = ProtoJson.Parse(Wrap(method, parameters), Command.Parser);
                }
                catch (ProtocolException)
                {
                    command = null!;
                }

                reply = command is null ? new Reply { Error = ApiErrors.BadRequest } : await executor.ExecuteAsync(command, context.RequestAborted).ConfigureAwait(false);
            }

            WriteReply(output, id, reply);
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static byte[] Wrap(string method, byte[] parameters) =>
        [.. Encoding.UTF8.GetBytes("{\"" + method + "\":"), .. parameters.Length == 0 ? "{}"u8.ToArray() : parameters, (byte)'}'];

    private static List<(uint Id, string? Method, byte[] Params)> ReadCommands(ReadOnlySpan<byte> body)
    {
        var commands = new List<(uint, string?, byte[])>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ProtocolException("expected a command object");
            }

            uint id = 0;
            string? method = null;
            byte[] parameters = [];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!.ToLowerInvariant();
                reader.Read();
                switch (name)
                {
                    case "id" when reader.TokenType == JsonTokenType.Number:
                        id = reader.GetUInt32();
                        break;
                    case "method" when reader.TokenType == JsonTokenType.String:
                        var text = reader.GetString()!.ToLowerInvariant();
                        method = Methods.Contains(text) ? text : null;
                        break;
                    case "method" when reader.TokenType == JsonTokenType.Number:
                        var number = reader.GetInt32();
                        method = number >= 0 && number < Methods.Length ? Methods[number] : null;
                        break;
                    case "params":
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        parameters = body[start..(int)reader.BytesConsumed].ToArray();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            commands.Add((id, method, parameters));
        }

        if (commands.Count == 0)
        {
            throw new ProtocolException("no commands");
        }

        return commands;
    }

    private static void WriteReply(ArrayBufferWriter<byte> output, uint id, Reply reply)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        if (id != 0)
        {
            writer.WriteNumber("id", id);
        }

        if (reply.Error is { } error)
        {
            writer.WritePropertyName("error");
            ProtoJson.Write(writer, error);
        }
        else if (Result(reply) is { } result)
        {
            writer.WritePropertyName("result");
            ProtoJson.Write(writer, result);
        }

        writer.WriteEndObject();
    }

    private static IMessage? Result(Reply reply) => Reply.Descriptor.Fields.InFieldNumberOrder()
        .Where(f => f.FieldNumber != Reply.ErrorFieldNumber)
        .Select(f => f.Accessor.GetValue(reply) as IMessage)
        .FirstOrDefault(m => m is not null);
}
