using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Gyre.AspNetCore;
using Gyre.Protocol.Api;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gyre.Server.Swagger;

/// <summary>One server API method: its HTTP name (<c>POST {http_api.handler_prefix}/{Name}</c>) and its gRPC descriptor.</summary>
/// <param name="Name">The snake_case method name Centrifugo uses in paths and batch commands.</param>
/// <param name="Method">The <c>CentrifugoApi</c> method; its input and output types are the HTTP body types.</param>
internal sealed record ServerApiMethod(string Name, MethodDescriptor Method);

/// <summary>
/// Serves the OpenAPI document of the HTTP server API at <c>{swagger.handler_prefix}/swagger.json</c> (the file
/// name Centrifugo serves its own under) through ASP.NET Core's built-in <c>AddOpenApi</c>/<c>MapOpenApi</c>.
/// </summary>
/// <remarks>
/// The endpoints are plain request delegates that decode the body with <c>ProtoJson</c>, so the reflection-based
/// generator has nothing true to say about them: it would describe the C# properties of the generated classes
/// (<c>Data</c> as a ByteString, <c>HasVersion</c>, parser and descriptor members). Every path and schema is
/// instead built from the <c>api.proto</c> descriptors, the same ones <c>ProtoJson</c> reads and writes with, so
/// the document cannot name a field the handler would skip or give it a type the handler would refuse.
/// </remarks>
internal static class ServerApiDocument
{
    /// <summary>The document name <c>MapOpenApi</c> falls back to when its path has no <c>{documentName}</c>.</summary>
    private const string DocumentName = "v1";

    /// <summary>The methods of <c>service CentrifugoApi</c>, which are exactly the <c>POST /api/&lt;method&gt;</c> routes.</summary>
    public static IReadOnlyList<ServerApiMethod> Methods { get; } =
    [
        .. ApiReflection.Descriptor.Services.Single(s => s.Name == "CentrifugoApi").Methods
            .Select(m => new ServerApiMethod(JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Name), m))
            .OrderBy(m => m.Name, StringComparer.Ordinal),
    ];

    /// <summary>Registers the document generator; nothing from the API explorer goes in, the transformer writes it all.</summary>
    public static IServiceCollection AddServerApiDocument(this IServiceCollection services, GyreEndpointOptions endpoints, string version) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = _ => false;
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document, endpoints, version);
                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// Maps <c>GET <paramref name="path"/></c> to the JSON document, and the Swagger UI page that reads it to the
    /// folder above (<c>/swagger/</c> for <c>/swagger/swagger.json</c>), where Centrifugo serves its UI.
    /// </summary>
    public static void MapServerApiDocument(this WebApplication app, string path)
    {
        app.MapOpenApi(path);
        var folder = path[..path.LastIndexOf('/')];
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = folder.Trim('/');
            ui.DocumentTitle = "Gyre server API";
            ui.SwaggerEndpoint(path, "Gyre server API");
        });
    }

    /// <summary>Fills <paramref name="document"/> with one POST operation per method, the message schemas and the key schemes.</summary>
    internal static void Describe(OpenApiDocument document, GyreEndpointOptions endpoints, string version)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Gyre server HTTP API",
            Version = version,
            Description = "Centrifugo v6 compatible server API. Every method is POST with a JSON body; field names are the proto field names " +
                "of api.proto, matched case-insensitively, unknown names are ignored, and fields typed as any JSON value are embedded as is " +
                "(not base64). Errors arrive inside a 200 reply as \"error\": {code, message}, unless transport error mode is on.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Paths ??= new OpenApiPaths();

        var schemas = new SchemaBuilder(document);
        if (!endpoints.HttpApiInsecure)
        {
            AddSecurity(document);
        }

        if (endpoints.HttpApiDisabled)
        {
            return;
        }

        var prefix = endpoints.HttpApiPath.TrimEnd('/');
        foreach (var method in Methods)
        {
            var operation = new OpenApiOperation
            {
                OperationId = method.Name,
                Summary = Summaries.GetValueOrDefault(method.Name, method.Method.Name),
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                    {
                        ["application/json"] = new()
                        {
                            Schema = schemas.Reference(method.Method.InputType),
                            Example = Examples.TryGetValue(method.Name, out var example) ? JsonNode.Parse(example) : null,
                        },
                    },
                },
                Responses = Responses(method, schemas),
            };
            if (method.Name != "batch")
            {
                operation.Parameters =
                [
                    new OpenApiParameter
                    {
                        Name = "X-Centrifugo-Error-Mode",
                        In = ParameterLocation.Header,
                        Description = "transport: an error comes back as the Error object with an HTTP status instead of inside a 200 reply.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("transport")] },
                    },
                ];
            }

            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Post, operation);
            document.Paths[prefix + "/" + method.Name] = item;
        }
    }

    private static OpenApiResponses Responses(ServerApiMethod method, SchemaBuilder schemas)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = method.Name == "batch"
                    ? "One reply per command, in command order; each carries its own error."
                    : "The reply: result, or error with a Centrifugo code (e.g. 102 unknown channel, 107 bad request, 108 not available).",
                Content = Json(schemas.Reference(method.Method.OutputType)),
            },
            ["400"] = new OpenApiResponse
            {
                Description = "The body is empty, not a JSON object, or a field has the wrong JSON type. Plain text \"Bad Request\".",
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            },
            ["401"] = new OpenApiResponse { Description = "No API key, or a wrong one (http_api.key). Empty body." },
            ["413"] = new OpenApiResponse { Description = "The body is larger than 10 MiB." },
        };
        if (method.Name != "batch")
        {
            responses["default"] = new OpenApiResponse
            {
                Description = "Transport error mode (http_api.error_mode: transport, or the X-Centrifugo-Error-Mode: transport header): " +
                    "the error alone, with 404 for codes 102 and 104, 400 for 107 and 108, 416 for 112, 409 for 113 and 500 otherwise.",
                Content = Json(schemas.Reference(Error.Descriptor)),
            };
        }

        return responses;
    }

    private static Dictionary<string, OpenApiMediaType> Json(IOpenApiSchema schema) =>
        new(StringComparer.Ordinal) { ["application/json"] = new() { Schema = schema } };

    /// <summary>The three places the handler looks for the key, in its order; any one of them is enough.</summary>
    private static void AddSecurity(OpenApiDocument document)
    {
        var schemes = new (string Name, OpenApiSecurityScheme Scheme)[]
        {
            ("ApiKeyHeader", new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-API-Key", Description = "http_api.key" }),
            ("ApiKeyAuthorization", new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "Authorization", Description = "\"apikey <http_api.key>\"" }),
            ("ApiKeyQuery", new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Query, Name = "api_key", Description = "http_api.key" }),
        };
        document.Security ??= [];
        foreach (var (name, scheme) in schemes)
        {
            document.Components!.SecuritySchemes![name] = scheme;
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(name, document)] = [] });
        }
    }

    private static readonly Dictionary<string, string> Summaries = new(StringComparer.Ordinal)
    {
        ["publish"] = "Publish data into a channel",
        ["broadcast"] = "Publish the same data into many channels",
        ["subscribe"] = "Subscribe a user's connections to a channel",
        ["unsubscribe"] = "Unsubscribe a user's connections from a channel",
        ["disconnect"] = "Disconnect a user's connections",
        ["refresh"] = "Refresh or expire a user's connections",
        ["presence"] = "Clients subscribed to a channel",
        ["presence_stats"] = "Numbers of clients and users in a channel",
        ["history"] = "Publications kept in a channel's history stream",
        ["history_remove"] = "Remove a channel's history stream",
        ["channels"] = "Active channels with their number of subscribers",
        ["info"] = "The running nodes",
        ["rpc"] = "Call a server-side RPC method",
        ["batch"] = "Run many commands in one request",
    };

    /// <summary>
    /// One body per method that the handler accepts as is (a test posts each of them). <c>info</c> has none: its
    /// body is <c>{}</c>, and the writer leaves an empty object example out.
    /// </summary>
    private static readonly Dictionary<string, string> Examples = new(StringComparer.Ordinal)
    {
        ["publish"] = """{"channel":"news","data":{"text":"hello"},"idempotency_key":"msg-1"}""",
        ["broadcast"] = """{"channels":["news","alerts"],"data":{"text":"hello"}}""",
        ["subscribe"] = """{"user":"42","channel":"news"}""",
        ["unsubscribe"] = """{"user":"42","channel":"news"}""",
        ["disconnect"] = """{"user":"42","disconnect":{"code":4000,"reason":"bye"}}""",
        ["refresh"] = """{"user":"42","expire_at":4102444800}""",
        ["presence"] = """{"channel":"news"}""",
        ["presence_stats"] = """{"channel":"news"}""",
        ["history"] = """{"channel":"news","limit":10,"reverse":true}""",
        ["history_remove"] = """{"channel":"news"}""",
        ["channels"] = """{"pattern":"news*"}""",
        ["rpc"] = """{"method":"ping","params":{}}""",
        ["batch"] = """{"commands":[{"publish":{"channel":"news","data":{"text":"hello"}}},{"presence_stats":{"channel":"news"}}],"parallel":false}""",
    };

    /// <summary>Component schemas for messages, one per message name, written on first reference (message graphs recurse: FilterNode).</summary>
    private sealed class SchemaBuilder(OpenApiDocument document)
    {
        public OpenApiSchemaReference Reference(MessageDescriptor message)
        {
            var schemas = document.Components!.Schemas!;
            if (!schemas.ContainsKey(message.Name))
            {
                var schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
                };

                // Registered before its fields so a field of the message's own type finds it.
                schemas[message.Name] = schema;
                foreach (var field in message.Fields.InFieldNumberOrder())
                {
                    schema.Properties[field.Name] = Field(field);
                }
            }

            return new OpenApiSchemaReference(message.Name, document);
        }

        private IOpenApiSchema Field(FieldDescriptor field)
        {
            if (field.IsMap)
            {
                // JSON object keys are strings whatever the proto key type; the handler reads them as strings.
                return new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = Value(field.MessageType.FindFieldByNumber(2)) };
            }

            return field.IsRepeated ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = Value(field) } : Value(field);
        }

        private IOpenApiSchema Value(FieldDescriptor field) => field.FieldType switch
        {
            FieldType.Message => Reference(field.MessageType),

            // ProtoJson embeds bytes fields as raw JSON, so any JSON value goes; an empty schema says exactly that.
            FieldType.Bytes => new OpenApiSchema { Description = "Any JSON value, embedded as is (not base64)." },
            FieldType.String => new OpenApiSchema { Type = JsonSchemaType.String },
            FieldType.Bool => new OpenApiSchema { Type = JsonSchemaType.Boolean },
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 or FieldType.Enum => Integer("int32", int.MinValue, int.MaxValue),
            FieldType.UInt32 or FieldType.Fixed32 => Integer("uint32", 0, uint.MaxValue),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integer("int64", null, null),
            FieldType.UInt64 or FieldType.Fixed64 => Integer("uint64", 0, null),
            FieldType.Double => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double" },
            FieldType.Float => new OpenApiSchema { Type = JsonSchemaType.Number, Format = "float" },
            _ => throw new InvalidOperationException($"{field.FullName}: no JSON mapping for {field.FieldType}"),
        };

        private static OpenApiSchema Integer(string format, long? minimum, long? maximum) => new()
        {
            Type = JsonSchemaType.Integer,
            Format = format,
            Minimum = minimum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
