using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Gyre.Protocol.Api;
using Gyre.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>A server with <c>swagger.enabled</c> at the default prefix.</summary>
public sealed class SwaggerServerFixture : ServerFixture
{
    public const string DocumentPath = "/swagger/swagger.json";

    protected override string? SwaggerPath => DocumentPath;
}

public sealed class SwaggerDocumentTests(SwaggerServerFixture server) : IClassFixture<SwaggerServerFixture>
{
    /// <summary>The HTTP methods of Gyre's server API; the document must list exactly these.</summary>
    private static readonly string[] ApiMethods =
        ["batch", "broadcast", "channels", "disconnect", "history", "history_remove", "info", "presence", "presence_stats", "publish", "refresh", "rpc", "subscribe", "unsubscribe"];

    [Fact]
    public async Task DocumentIsServedAsOpenApiJsonAtTheSwaggerPrefix()
    {
        var response = await server.Http.GetAsync(SwaggerServerFixture.DocumentPath).WaitAsync(TestTimeouts.Default);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Gyre server HTTP API", document["info"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task SwaggerUiPageIsServedFromEmbeddedAssetsAndReadsTheDocument()
    {
        var page = await server.Http.GetAsync("/swagger/index.html").WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The page's script comes from the server itself (no CDN) and points at the document above.
        var bundle = await server.Http.GetAsync("/swagger/swagger-ui-bundle.js").WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        var initializer = await server.Http.GetStringAsync("/swagger/index.js").WaitAsync(TestTimeouts.Default);
        Assert.Contains($$"""
            "url":"{{SwaggerServerFixture.DocumentPath}}"
            """, initializer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryApiMethodIsOnePostOperationAndNothingElseIsDescribed()
    {
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();

        Assert.Equal(ApiMethods.Select(m => "/api/" + m), paths.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (path, item) in paths)
        {
            Assert.True(item!.AsObject().Select(o => o.Key).SequenceEqual(["post"]), $"{path}: {item.ToJsonString()}");
            Assert.NotNull(item["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]);
            Assert.NotNull(item["post"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]);
        }
    }

    [Fact]
    public async Task DocumentPathsAreExactlyTheMappedApiMethodRoutes()
    {
        var document = await DocumentAsync();
        var routes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!)
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        Assert.Equal(routes, document["paths"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PublishRequestHasTheProtoJsonFieldNamesAndTypes()
    {
        var schema = (await DocumentAsync())["components"]!["schemas"]!["PublishRequest"]!;
        var properties = schema["properties"]!.AsObject();

        Assert.Equal(
            ["channel", "data", "b64data", "skip_history", "tags", "idempotency_key", "delta", "version", "version_epoch"],
            properties.Select(p => p.Key));
        Assert.Equal("string", properties["channel"]!["type"]!.GetValue<string>());
        Assert.Null(properties["data"]!["type"]);
        Assert.Equal("boolean", properties["skip_history"]!["type"]!.GetValue<string>());
        Assert.Equal("object", properties["tags"]!["type"]!.GetValue<string>());
        Assert.Equal("string", properties["tags"]!["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.Equal("integer", properties["version"]!["type"]!.GetValue<string>());
        Assert.Equal("uint64", properties["version"]!["format"]!.GetValue<string>());
    }

    [Fact]
    public async Task EveryFieldOfEveryRequestAndResponseMessageIsDescribedWithItsJsonType()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<MessageDescriptor>(ApiReflection.Descriptor.Services.Single().Methods.SelectMany(m => new[] { m.InputType, m.OutputType }));
        while (pending.TryDequeue(out var message))
        {
            if (!seen.Add(message.Name))
            {
                continue;
            }

            var schema = schemas[message.Name] ?? throw new Xunit.Sdk.XunitException($"no schema for {message.Name}");
            var properties = schema["properties"]?.AsObject() ?? [];
            Assert.Equal("object", schema["type"]!.GetValue<string>());
            Assert.Equal(message.Fields.InFieldNumberOrder().Select(f => f.Name), properties.Select(p => p.Key));
            foreach (var field in message.Fields.InFieldNumberOrder())
            {
                var property = properties[field.Name]!;
                if (field.IsMap)
                {
                    Assert.Equal("object", property["type"]!.GetValue<string>());
                    AssertValueType(field.MessageType.FindFieldByNumber(2), property["additionalProperties"]!, pending);
                }
                else if (field.IsRepeated)
                {
                    Assert.Equal("array", property["type"]!.GetValue<string>());
                    AssertValueType(field, property["items"]!, pending);
                }
                else
                {
                    AssertValueType(field, property, pending);
                }
            }
        }

        Assert.Contains("FilterNode", seen);
        Assert.Contains("Command", seen);
    }

    [Fact]
    public async Task EveryMethodHasAnExampleThatMatchesItsSchemaAndTheHandlerAccepts()
    {
        var document = await DocumentAsync();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            var post = item!["post"]!;
            var body = post["requestBody"]!["content"]!["application/json"]!;
            var schema = body["schema"]!;
            var hasFields = document["components"]!["schemas"]![schema["$ref"]!.GetValue<string>()["#/components/schemas/".Length..]]!["properties"] is not null;

            // A message without fields (InfoRequest) has the body {} and no example: the writer drops an empty object.
            var example = body["example"] ?? (hasFields ? throw new Xunit.Sdk.XunitException($"{path} has no example") : new JsonObject());
            var json = JsonDocument.Parse(example.ToJsonString()).RootElement;
            Assert.Empty(SchemaErrors(json, schema, document, path));

            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(example.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.Add(document["components"]!["securitySchemes"]!["ApiKeyHeader"]!["name"]!.GetValue<string>(), ServerFixture.ApiKey);
            var response = await server.Http.SendAsync(request).WaitAsync(TestTimeouts.Default);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Empty(SchemaErrors(reply, post["responses"]!["200"]!["content"]!["application/json"]!["schema"]!, document, path + " reply"));
            if (reply.TryGetProperty("error", out var error))
            {
                // A Centrifugo-level refusal is fine (the example channel has no history or presence here), a decode error is not.
                Assert.NotEqual(107u, error.GetProperty("code").GetUInt32());
            }
        }
    }

    [Fact]
    public async Task SchemaCatchesAFieldOfTheWrongTypeAsTheHandlerDoes()
    {
        var document = await DocumentAsync();
        var schema = document["paths"]!["/api/publish"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        const string body = """{"channel":5,"data":{}}""";

        Assert.NotEmpty(SchemaErrors(JsonDocument.Parse(body).RootElement, schema, document, "publish"));
        Assert.Equal(HttpStatusCode.BadRequest, (await server.ApiAsync("publish", body)).StatusCode);
    }

    [Fact]
    public async Task ApiKeySchemesAreTheHandlersThreePlacesAndTheErrorObjectIsDescribed()
    {
        var document = await DocumentAsync();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();

        Assert.Equal(
            ["header X-API-Key", "header Authorization", "query api_key"],
            schemes.Select(s => $"{s.Value!["in"]} {s.Value!["name"]}"));
        Assert.Equal(3, document["security"]!.AsArray().Count);
        var error = document["paths"]!["/api/publish"]!["post"]!["responses"]!["default"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal("#/components/schemas/Error", error["$ref"]!.GetValue<string>());
        Assert.Equal(["code", "message"], document["components"]!["schemas"]!["Error"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Null(document["paths"]!["/api/batch"]!["post"]!["responses"]!["default"]);
    }

    private async Task<JsonNode> DocumentAsync()
    {
        var text = await server.Http.GetStringAsync(SwaggerServerFixture.DocumentPath).WaitAsync(TestTimeouts.Default);
        return JsonNode.Parse(text)!;
    }

    /// <summary>The JSON type the handler's decoder demands for one value of <paramref name="field"/>.</summary>
    private static void AssertValueType(FieldDescriptor field, JsonNode schema, Queue<MessageDescriptor> pending)
    {
        var (type, format) = field.FieldType switch
        {
            FieldType.Message => ("$ref", "#/components/schemas/" + field.MessageType.Name),
            FieldType.Bytes => (null, null),
            FieldType.String => ("string", null),
            FieldType.Bool => ("boolean", null),
            FieldType.Int32 => ("integer", "int32"),
            FieldType.UInt32 => ("integer", "uint32"),
            FieldType.Int64 => ("integer", "int64"),
            FieldType.UInt64 => ("integer", "uint64"),
            FieldType.Double => ("number", "double"),
            _ => throw new Xunit.Sdk.XunitException($"{field.FullName}: {field.FieldType} has no expectation here yet"),
        };
        if (type == "$ref")
        {
            Assert.Equal(format, schema["$ref"]?.GetValue<string>());
            pending.Enqueue(field.MessageType);
            return;
        }

        Assert.Equal(type, schema["type"]?.GetValue<string>());
        Assert.Equal(format, schema["format"]?.GetValue<string>());
    }

    /// <summary>
    /// A small validator for the subset of JSON Schema the document uses ($ref, type, properties, additionalProperties,
    /// items, integer bounds), strict about property names so a misspelled field shows up.
    /// </summary>
    private static List<string> SchemaErrors(JsonElement value, JsonNode schema, JsonNode document, string at)
    {
        var errors = new List<string>();
        Check(value, schema, at);
        return errors;

        void Check(JsonElement v, JsonNode s, string path)
        {
            if (s["$ref"]?.GetValue<string>() is { } reference)
            {
                s = document["components"]!["schemas"]![reference["#/components/schemas/".Length..]]!;
            }

            switch (s["type"]?.GetValue<string>())
            {
                case null:
                    return;
                case "string" when v.ValueKind != JsonValueKind.String:
                case "boolean" when v.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
                case "number" when v.ValueKind != JsonValueKind.Number:
                case "array" when v.ValueKind != JsonValueKind.Array:
                case "object" when v.ValueKind != JsonValueKind.Object:
                case "integer" when v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out _) && !v.TryGetUInt64(out _):
                    errors.Add($"{path}: {v.GetRawText()} is not {s["type"]}");
                    return;
                case "integer" when s["minimum"] is { } min && v.TryGetInt64(out var n) && n < long.Parse(min.ToString(), System.Globalization.CultureInfo.InvariantCulture):
                    errors.Add($"{path}: {n} is below {min}");
                    return;
                case "array":
                    var i = 0;
                    foreach (var item in v.EnumerateArray())
                    {
                        Check(item, s["items"]!, $"{path}[{i++}]");
                    }

                    return;
                case "object":
                    foreach (var property in v.EnumerateObject())
                    {
                        var propertySchema = s["properties"]?[property.Name] ?? s["additionalProperties"];
                        if (propertySchema is null)
                        {
                            errors.Add($"{path}: unknown property {property.Name}");
                            continue;
                        }

                        Check(property.Value, propertySchema, $"{path}.{property.Name}");
                    }

                    return;
            }
        }
    }
}

public sealed class SwaggerDisabledTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task DocumentPathIsNotFoundWhenSwaggerIsOff()
    {
        var response = await server.Http.GetAsync(SwaggerServerFixture.DocumentPath).WaitAsync(TestTimeouts.Default);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/openapi/v1.json").WaitAsync(TestTimeouts.Default)).StatusCode);
    }
}
