using Google.Protobuf;
using Gyre.Protocol;
using Gyre.Protocol.Delta;
using Gyre.Protocol.Json;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// The encoded forms of one publication for one broadcast, each built at most once, on first need. A channel
/// with only plain JSON subscribers encodes once; Protobuf subscribers add one encode; unidirectional subscribers
/// add the bare-push form of their encoding (JSON and Protobuf, one each); fossil delta subscribers add the
/// full-string form (JSON) and the patch (computed once, shared by every delta subscriber). At most 7 encodes
/// per broadcast, whatever the number of subscribers.
/// </summary>
/// <remarks>
/// Delta rules (Centrifugo's): the first publication after subscribe is full; later ones are patches against
/// the channel's previous publication when the publisher asked for delta, both carry offsets and they are
/// consecutive (so the subscriber is known to hold the base), and the patch is smaller than the data. On JSON
/// connections a delta subscriber's <c>data</c> is always a JSON string: the payload text, or the patch.
/// </remarks>
internal struct PublicationVariants(string channel, Publication publication, Publication? previous)
{
    private byte[]? _json;
    private byte[]? _protobuf;
    private byte[]? _uniJson;
    private byte[]? _uniProtobuf;
    private byte[]? _jsonFull;
    private byte[]? _jsonPatch;
    private byte[]? _protobufPatch;
    private byte[]? _patch;
    private bool _patchTried;

    public ReadOnlyMemory<byte> For(Subscription subscription)
    {
        var codec = subscription.Client.Codec;
        var json = codec.Type == ProtocolType.Json;
        if (codec.Unidirectional)
        {
            // Uni subscriptions are server-side and never negotiate delta: one bare-push form per encoding.
            return json ? _uniJson ??= Encode(ProtocolCodec.UniJson, Plain()) : _uniProtobuf ??= Encode(ProtocolCodec.UniProtobuf, Plain());
        }

        if (!subscription.Delta)
        {
            return json ? _json ??= Encode(ProtocolCodec.Json, Plain()) : _protobuf ??= Encode(ProtocolCodec.Protobuf, Plain());
        }

        var ready = subscription.DeltaReady;
        subscription.DeltaReady = true;
        if (ready && Patch() is { } patch)
        {
            if (json)
            {
                _jsonPatch ??= ProtoJson.TryEncodeString(patch) is { } text ? Encode(ProtocolCodec.Json, WithData(text, delta: true)) : [];
                if (_jsonPatch.Length > 0)
                {
                    return _jsonPatch;
                }
            }
            else
            {
                return _protobufPatch ??= Encode(ProtocolCodec.Protobuf, WithData(patch, delta: true));
            }
        }

        return json ? _jsonFull ??= FullString() : _protobuf ??= Encode(ProtocolCodec.Protobuf, Plain());
    }

    private readonly byte[] Encode(ProtocolCodec codec, Publication value) => codec.EncodePublicationPush(channel, value);

    /// <summary>The publication as stored, with the publisher's delta intent cleared (plain subscribers never see a patch).</summary>
    private readonly Publication Plain() => publication.Delta ? WithData(publication.Data.Span.ToArray(), delta: false) : publication;

    private readonly Publication WithData(byte[] data, bool delta)
    {
        var copy = publication.Clone();
        copy.Data = UnsafeByteOperations.UnsafeWrap(data);
        copy.Delta = delta;
        return copy;
    }

    private readonly byte[] FullString() =>
        ProtoJson.TryEncodeString(publication.Data.Span) is { } text
            ? Encode(ProtocolCodec.Json, WithData(text, delta: false))
            : Encode(ProtocolCodec.Json, Plain());

    private byte[]? Patch()
    {
        if (_patchTried)
        {
            return _patch;
        }

        _patchTried = true;
        if (publication.Delta && previous is { Offset: > 0 } && previous.Offset + 1 == publication.Offset)
        {
            var patch = FossilDelta.Create(previous.Data.Span, publication.Data.Span);
            _patch = patch.Length < publication.Data.Length ? patch : null;
        }

        return _patch;
    }
}
