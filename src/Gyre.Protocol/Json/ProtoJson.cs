using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gyre.Protocol.Json;

/// <summary>
/// JSON for Protobuf messages the way Centrifugo writes it, driven by the message descriptors generated from
/// <c>proto/*.proto</c>, so one schema defines both encodings.
/// </summary>
/// <remarks>
/// This is not Protobuf's canonical JSON mapping: names are the proto field names (snake_case), 64-bit
/// integers are JSON numbers, <c>bytes</c> fields hold embedded raw JSON (never base64), zero values are
/// omitted except for the fields in <see cref="AlwaysEmitted"/>, and a set-but-empty message is written as
/// <c>{}</c>. On input, names match case-insensitively (Go's encoding/json does, and Centrifugo's server API
/// relies on it), unknown names are skipped, <c>null</c> means absent except in <c>bytes</c> fields where it is
/// kept as the four bytes <c>null</c>.
/// </remarks>
public static class ProtoJson
{
    /// <summary>Fields written even when zero: the clients index into them unconditionally.</summary>
    private static readonly FrozenSet<string> AlwaysEmitted = new[]
    {
        "centrifugal.centrifuge.protocol.ClientInfo.user",
        "centrifugal.centrifuge.protocol.ClientInfo.client",
        "centrifugal.centrifuge.protocol.PresenceResult.presence",
        "centrifugal.centrifuge.protocol.PresenceStatsResult.num_clients",
        "centrifugal.centrifuge.protocol.PresenceStatsResult.num_users",
        "centrifugal.centrifuge.protocol.HistoryResult.publications",
        "centrifugal.centrifuge.protocol.HistoryResult.epoch",
        "centrifugal.centrifuge.protocol.HistoryResult.offset",
        "centrifugal.centrifugo.api.ClientInfo.user",
        "centrifugal.centrifugo.api.ClientInfo.client",
        "centrifugal.centrifugo.api.InfoResult.nodes",
        "centrifugal.centrifugo.api.NodeResult.uid",
        "centrifugal.centrifugo.api.NodeResult.name",
        "centrifugal.centrifugo.api.NodeResult.version",
        "centrifugal.centrifugo.api.NodeResult.num_clients",
        "centrifugal.centrifugo.api.NodeResult.num_users",
        "centrifugal.centrifugo.api.NodeResult.num_channels",
        "centrifugal.centrifugo.api.NodeResult.num_subs",
        "centrifugal.centrifugo.api.BroadcastResult.responses",
        "centrifugal.centrifugo.api.PresenceResult.presence",
        "centrifugal.centrifugo.api.PresenceStatsResult.num_clients",
        "centrifugal.centrifugo.api.PresenceStatsResult.num_users",
        "centrifugal.centrifugo.api.HistoryResult.publications",
        "centrifugal.centrifugo.api.HistoryResult.epoch",
        "centrifugal.centrifugo.api.HistoryResult.offset",
        "centrifugal.centrifugo.api.ChannelsResult.channels",
        "centrifugal.centrifugo.api.BatchResponse.replies",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<MessageDescriptor, MessageShape> Shapes = new();

    /// <summary>Parses one JSON object into a new message.</summary>
    /// <exception cref="ProtocolException">Not a JSON object, malformed, or a value of the wrong type.</exception>
    public static T Parse<T>(ReadOnlySpan<byte> json, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var message = parser.ParseFrom(ByteString.Empty);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                throw new ProtocolException("empty JSON");
            }

            ReadObject(ref reader, json, message);
            if (reader.Read())
            {
                throw new ProtocolException("trailing data after JSON object");
            }
        }
        catch (JsonException e)
        {
            throw new ProtocolException("malformed JSON: " + e.Message, e);
        }
        catch (InvalidOperationException e)
        {
            throw new ProtocolException("malformed JSON: " + e.Message, e);
        }

        return message;
    }

    /// <summary>Writes <paramref name="message"/> as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, IMessage message)
    {
        var shape = ShapeOf(message.Descriptor);
        writer.WriteStartObject();
        foreach (var field in shape.Fields)
        {
            WriteField(writer, message, field);
        }

        writer.WriteEndObject();
    }

    /// <summary>Encodes <paramref name="message"/> to a new UTF-8 JSON array.</summary>
    public static byte[] ToBytes(IMessage message)
    {
        var scratch = JsonScratch.Rent();
        try
        {
            Write(scratch.Writer, message);
            scratch.Writer.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally
        {
            JsonScratch.Return(scratch);
        }
    }

    /// <summary>
    /// Encodes UTF-8 text as a JSON string literal (quotes included). Null when the bytes are not valid UTF-8,
    /// which a JSON string cannot carry. Delta-negotiated JSON subscribers receive publication data this way.
    /// </summary>
    public static byte[]? TryEncodeString(ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return null;
        }

        var scratch = JsonScratch.Rent();
        try
        {
            scratch.Writer.WriteStringValue(utf8);
            scratch.Writer.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally
        {
            JsonScratch.Return(scratch);
        }
    }

    /// <summary>
    /// Writes embedded raw JSON, dropping raw <c>\n</c> bytes so one message stays on one line (Centrifugo
    /// does the same; newlines inside JSON strings are escaped, so the value itself is unchanged).
    /// </summary>
    public static void WriteRaw(Utf8JsonWriter writer, ReadOnlySpan<byte> raw)
    {
        if (raw.IndexOf((byte)'\n') < 0)
        {
            writer.WriteRawValue(raw, skipInputValidation: true);
            return;
        }

        var copy = new byte[raw.Length];
        var n = 0;
        foreach (var b in raw)
        {
            if (b != (byte)'\n')
            {
                copy[n++] = b;
            }
        }

        writer.WriteRawValue(copy.AsSpan(0, n), skipInputValidation: true);
    }

    private static MessageShape ShapeOf(MessageDescriptor descriptor) =>
        Shapes.GetOrAdd(descriptor, static d => new MessageShape(d));

    private static void ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, IMessage message)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException($"expected a JSON object for {message.Descriptor.Name}");
        }

        var shape = ShapeOf(message.Descriptor);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (!shape.ByName.TryGetValue(name, out var field))
            {
                reader.Skip();
                continue;
            }

            ReadField(ref reader, source, message, field);
        }
    }

    private static void ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, IMessage message, FieldShape field)
    {
        var descriptor = field.Descriptor;
        if (reader.TokenType == JsonTokenType.Null && descriptor.FieldType != FieldType.Bytes)
        {
            return;
        }

        if (descriptor.IsMap)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw WrongType(descriptor, "an object");
            }

            var map = (IDictionary)descriptor.Accessor.GetValue(message);
            var valueField = descriptor.MessageType.FindFieldByNumber(2);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var key = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null && valueField.FieldType != FieldType.Bytes)
                {
                    continue;
                }

                map[key] = ReadValue(ref reader, source, valueField);
            }

            return;
        }

        if (descriptor.IsRepeated)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw WrongType(descriptor, "an array");
            }

            var list = (IList)descriptor.Accessor.GetValue(message);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                list.Add(ReadValue(ref reader, source, descriptor));
            }

            return;
        }

        descriptor.Accessor.SetValue(message, ReadValue(ref reader, source, descriptor));
    }

    private static object ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.Bytes:
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var end = (int)reader.BytesConsumed;
                    return ByteString.CopyFrom(source[start..end]);
                }

            case FieldType.String:
                return reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw WrongType(field, "a string");
            case FieldType.Bool:
                return reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw WrongType(field, "a boolean"),
                };
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i32) ? i32 : throw WrongType(field, "a 32-bit integer");
            case FieldType.Enum:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var e32) ? e32 : throw WrongType(field, "an enum number");
            case FieldType.UInt32 or FieldType.Fixed32:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out var u32) ? u32 : throw WrongType(field, "an unsigned 32-bit integer");
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var i64) ? i64 : throw WrongType(field, "a 64-bit integer");
            case FieldType.UInt64 or FieldType.Fixed64:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var u64) ? u64 : throw WrongType(field, "an unsigned 64-bit integer");
            case FieldType.Double:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d) ? d : throw WrongType(field, "a number");
            case FieldType.Float:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetSingle(out var f) ? f : throw WrongType(field, "a number");
            case FieldType.Message:
                {
                    var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                    ReadObject(ref reader, source, nested);
                    return nested;
                }

            default:
                throw new ProtocolException($"field {field.Name} has an unsupported type {field.FieldType}");
        }
    }

    private static ProtocolException WrongType(FieldDescriptor field, string expected) =>
        new($"field {field.Name} must be {expected}");

    private static void WriteField(Utf8JsonWriter writer, IMessage message, FieldShape field)
    {
        var descriptor = field.Descriptor;
        var value = descriptor.Accessor.GetValue(message);
        if (descriptor.IsMap)
        {
            var map = (IDictionary)value;
            if (map.Count == 0 && !field.Always)
            {
                return;
            }

            writer.WritePropertyName(field.EncodedName);
            writer.WriteStartObject();
            var valueField = descriptor.MessageType.FindFieldByNumber(2);
            foreach (DictionaryEntry entry in map)
            {
                writer.WritePropertyName(entry.Key.ToString()!);
                WriteValue(writer, valueField, entry.Value!);
            }

            writer.WriteEndObject();
            return;
        }

        if (descriptor.IsRepeated)
        {
            var list = (IList)value;
            if (list.Count == 0 && !field.Always)
            {
                return;
            }

            writer.WritePropertyName(field.EncodedName);
            writer.WriteStartArray();
            foreach (var item in list)
            {
                WriteValue(writer, descriptor, item!);
            }

            writer.WriteEndArray();
            return;
        }

        if (!field.Always && IsDefault(descriptor, value))
        {
            return;
        }

        writer.WritePropertyName(field.EncodedName);
        WriteValue(writer, descriptor, value);
    }

    private static bool IsDefault(FieldDescriptor field, object? value) => field.FieldType switch
    {
        FieldType.Message => value is null,
        FieldType.Bytes => ((ByteString)value!).IsEmpty,
        FieldType.String => ((string)value!).Length == 0,
        FieldType.Bool => !(bool)value!,
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Enum => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
        FieldType.UInt32 or FieldType.Fixed32 => (uint)value! == 0,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => (long)value! == 0,
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)value! == 0,
        FieldType.Double => (double)value! == 0,
        FieldType.Float => (float)value! == 0,
        _ => false,
    };

    private static void WriteValue(Utf8JsonWriter writer, FieldDescriptor field, object value)
    {
        switch (field.FieldType)
        {
            case FieldType.Message:
                Write(writer, (IMessage)value);
                break;
            case FieldType.Bytes:
                var bytes = (ByteString)value;
                if (bytes.IsEmpty)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    WriteRaw(writer, bytes.Span);
                }

                break;
            case FieldType.String:
                writer.WriteStringValue((string)value);
                break;
            case FieldType.Bool:
                writer.WriteBooleanValue((bool)value);
                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Enum:
                writer.WriteNumberValue(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                writer.WriteNumberValue((uint)value);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                writer.WriteNumberValue((long)value);
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                writer.WriteNumberValue((ulong)value);
                break;
            case FieldType.Double:
                writer.WriteNumberValue((double)value);
                break;
            case FieldType.Float:
                writer.WriteNumberValue((float)value);
                break;
            default:
                throw new InvalidOperationException($"unsupported field type {field.FieldType}");
        }
    }

    private sealed class MessageShape
    {
        public MessageShape(MessageDescriptor descriptor)
        {
            Fields = [.. descriptor.Fields.InFieldNumberOrder().Select(f => new FieldShape(f))];
            ByName = Fields.ToFrozenDictionary(f => f.Descriptor.Name, StringComparer.OrdinalIgnoreCase);
        }

        public FieldShape[] Fields { get; }

        public FrozenDictionary<string, FieldShape> ByName { get; }
    }

    private sealed class FieldShape(FieldDescriptor descriptor)
    {
        public FieldDescriptor Descriptor { get; } = descriptor;

        public JsonEncodedText EncodedName { get; } = JsonEncodedText.Encode(descriptor.Name);

        public bool Always { get; } = AlwaysEmitted.Contains(descriptor.ContainingType.FullName + "." + descriptor.Name);
    }
}

/// <summary>A reusable writer and buffer for one encode on one thread; keeps reply encoding to one final copy.</summary>
internal sealed class JsonScratch
{
    [ThreadStatic]
    private static JsonScratch? _threadCached;

    private JsonScratch()
    {
        Buffer = new ArrayBufferWriter<byte>(256);
        Writer = new Utf8JsonWriter(Buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public ArrayBufferWriter<byte> Buffer { get; }

    public Utf8JsonWriter Writer { get; }

    public static JsonScratch Rent()
    {
        var scratch = _threadCached ?? new JsonScratch();
        _threadCached = null;
        return scratch;
    }

    public static void Return(JsonScratch scratch)
    {
        // Buffers that grew past 64 KiB (a large history reply) are dropped rather than pinned to the thread.
        if (scratch.Buffer.Capacity > 65_536)
        {
            return;
        }

        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        _threadCached = scratch;
    }
}
