using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Kcm.Silo.Http;

/// <summary>
/// Documents a request body in the OpenAPI document without <c>Accepts</c> metadata: that metadata makes routing
/// answer 415 with an empty body, and the contract wants a problem naming the content type.
/// </summary>
internal static class OpenApiBodies
{
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, bool required, params string[] mediaTypes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            var body = new OpenApiRequestBody { Required = required, Content = new Dictionary<string, OpenApiMediaType>() };
            foreach (var mediaType in mediaTypes)
            {
                body.Content[mediaType] = new OpenApiMediaType { Schema = schema };
            }

            operation.RequestBody = body;
        });
}
