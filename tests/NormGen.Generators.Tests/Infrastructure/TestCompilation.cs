using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>
/// Compilations of user code the way a NormGen user's project compiles: .NET 8 reference
/// assemblies, the NormGen runtime, C# 12, and unsafe code allowed unless a test says otherwise.
/// </summary>
internal static class TestCompilation
{
    /// <summary>The reference assemblies every test compilation targets.</summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = ReferenceAssemblies.Net.Net80;

    /// <summary>The language version of the sources under test: the .NET 8 SDK's default.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp12);

    /// <summary>The NormGen runtime (attributes and kernel helpers) that user projects reference.</summary>
    public static MetadataReference Runtime { get; } =
        MetadataReference.CreateFromFile(typeof(NormGen.LayerNormAttribute).Assembly.Location);

    private static readonly SemaphoreSlim ReferencesLock = new(1, 1);
    private static ImmutableArray<MetadataReference> s_references;

    /// <summary>The .NET 8 reference assemblies plus the NormGen runtime, resolved once per test run.</summary>
    public static async Task<ImmutableArray<MetadataReference>> ReferencesAsync()
    {
        await ReferencesLock.WaitAsync();
        try
        {
            if (s_references.IsDefault)
            {
                ImmutableArray<MetadataReference> framework =
                    await ReferenceAssemblies.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
                s_references = framework.Add(Runtime);
            }

            return s_references;
        }
        finally
        {
            ReferencesLock.Release();
        }
    }

    public static async Task<CSharpCompilation> CreateAsync(string[] sources, bool allowUnsafe = true)
    {
        ImmutableArray<MetadataReference> references = await ReferencesAsync();
        return CSharpCompilation.Create(
            "UserModels",
            sources.Select((source, i) => Parse(source, $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: allowUnsafe,
                nullableContextOptions: NullableContextOptions.Enable,
                deterministic: true));
    }

    public static Task<CSharpCompilation> CreateAsync(string source, bool allowUnsafe = true) =>
        CreateAsync([source], allowUnsafe);

    public static SyntaxTree Parse(string source, string path) =>
        CSharpSyntaxTree.ParseText(source, ParseOptions, path);
}
