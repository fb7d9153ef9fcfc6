using Kcm.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kcm.Silo.Http;

/// <summary>
/// Documents a request body in the OpenAPI document without <c>Accepts</c> metadata: that metadata makes routing
/// answer 415 with an empty body, and the contract wants a problem naming the content type.
/// </summary>
internal static class OpenApiBodies
{
    /// <summary>A JSON body of type <typeparamref name="T"/>.</summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, bool required) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType> { [KcmMediaTypes.Json] = new() { Schema = schema } },
            };
        });

    /// <summary>
    /// The infer body: JSON rows of <typeparamref name="T"/>, or raw little-endian float32 whose shape is in the
    /// <see cref="KcmHeaders.Shape"/> header (documented as such, not as the JSON schema).
    /// </summary>
    public static RouteHandlerBuilder DocumentsInferBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [KcmMediaTypes.Json] = new() { Schema = schema },
                    [KcmMediaTypes.OctetStream] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Format = "binary",
                            Description = $"batch x features little-endian float32 values, row-major; the shape goes in {KcmHeaders.Shape}.",
                        },
                    },
                },
            };
            operation.Parameters ??= [];
            operation.Parameters.Add(Header(KcmHeaders.Shape, "Binary bodies only (required there): \"batch,features\", e.g. \"32,784\"."));
            operation.Parameters.Add(Header(KcmHeaders.ReturnProbabilities, "Binary bodies only: \"true\" to return class probabilities."));
        });

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = false,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
