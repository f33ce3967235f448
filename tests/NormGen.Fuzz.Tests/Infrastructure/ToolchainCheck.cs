using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using NormGen.Analyzers.Rules;
using NormGen.Generators;
using NormGen.Generators.Diagnostics;

namespace NormGen.Fuzz.Tests.Infrastructure;

/// <summary>
/// Runs one source through everything NormGen puts into a build and an IDE — the generator, the
/// attribute analyzer, the usage analyzers and their code fixes — and lists every way it misbehaved:
/// an exception that escaped, generated code that does not compile, a diagnostic outside the source,
/// a code fix that throws or breaks the syntax.
/// </summary>
internal static class ToolchainCheck
{
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp12);

    /// <summary>The attribute analyzer and every usage analyzer, as a project referencing NormGen gets them.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(GroupNormDivisibilityAnalyzer).Assembly
        .GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .Prepend(new NormAttributeAnalyzer())
        .ToImmutableArray();

    /// <summary>Every code fix of the package, by the diagnostic it fixes.</summary>
    public static ILookup<string, CodeFixProvider> CodeFixes { get; } = typeof(NormGen.Analyzers.CodeFixes.KerasMomentumCodeFixProvider).Assembly
        .GetTypes()
        .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .SelectMany(fix => fix.FixableDiagnosticIds.Select(id => (id, fix)))
        .ToLookup(pair => pair.id, pair => pair.fix);

    /// <summary>Generated files already seen to compile, so the same kernels are not bound again and again.</summary>
    private static readonly ConcurrentDictionary<string, bool> CompiledCleanly = new(StringComparer.Ordinal);

    public static async Task<CheckResult> RunAsync(string source, bool allowUnsafe, bool compileGenerated, int maxFixedDiagnostics, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        ImmutableArray<MetadataReference> references = await FuzzReferences.AllAsync();

        using var workspace = new AdhocWorkspace();
        ProjectId projectId = ProjectId.CreateNewId();
        Solution solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Default,
            "UserModels",
            "UserModels",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: allowUnsafe,
                nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: ParseOptions,
            metadataReferences: references));
        DocumentId documentId = DocumentId.CreateNewId(projectId);
        solution = solution.AddDocument(documentId, "Input.cs", SourceText.From(source), filePath: "/src/Input.cs");
        Document document = solution.GetDocument(documentId)!;
        Compilation input = (await document.Project.GetCompilationAsync(cancellationToken))!;
        SyntaxTree inputTree = (await document.GetSyntaxTreeAsync(cancellationToken))!;

        // The generator, as the compiler runs it.
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NormGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics, cancellationToken);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        if (run.Exception is not null)
        {
            problems.Add($"The generator threw: {run.Exception}");
        }

        // The generator reports nothing itself (its diagnostics are the analyzer's); CS8785 lands here.
        problems.AddRange(driverDiagnostics.Select(d => $"The generator reported {Describe(d)}"));

        foreach (GeneratedSourceResult generated in compileGenerated ? run.GeneratedSources : [])
        {
            string text = generated.SourceText.ToString();
            if (CompiledCleanly.ContainsKey(text))
            {
                continue;
            }

            List<Diagnostic> errors = output.GetSemanticModel(generated.SyntaxTree).GetDiagnostics(cancellationToken: cancellationToken)
                .Where(d => d.Severity == DiagnosticSeverity.Error)
                .ToList();
            if (errors.Count == 0)
            {
                CompiledCleanly.TryAdd(text, true);
            }
            else
            {
                problems.Add($"Generated {generated.HintName} does not compile: {string.Join("; ", errors.Take(5).Select(Describe))}\n{text}");
            }
        }

        // The analyzers, over the user's code (they skip generated code; leaving it out saves binding it).
        var analyzerExceptions = new ConcurrentQueue<string>();
        var analysis = new CompilationWithAnalyzers(
            input,
            Analyzers,
            new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]),
                onAnalyzerException: (exception, analyzer, diagnostic) => analyzerExceptions.Enqueue($"{analyzer.GetType().Name} threw: {exception}"),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false));
        ImmutableArray<Diagnostic> diagnostics = await analysis.GetAnalyzerDiagnosticsAsync(cancellationToken);
        problems.AddRange(analyzerExceptions);
        foreach (Diagnostic diagnostic in diagnostics)
        {
            if (diagnostic.Id == "AD0001")
            {
                problems.Add($"An analyzer failed: {Describe(diagnostic)}");
            }
            else if (!diagnostic.Location.IsInSource
                || diagnostic.Location.SourceTree != inputTree
                || diagnostic.Location.SourceSpan.End > inputTree.Length)
            {
                problems.Add($"{Describe(diagnostic)} has no location in the input source ({diagnostic.Location})");
            }
        }

        // The code fixes, as the IDE offers them: each registered action computed and applied.
        int fixedCount = 0;
        foreach (Diagnostic diagnostic in diagnostics.Where(d => CodeFixes.Contains(d.Id) && d.Location.SourceTree == inputTree))
        {
            if (fixedCount++ == maxFixedDiagnostics)
            {
                break;
            }

            foreach (CodeFixProvider provider in CodeFixes[diagnostic.Id])
            {
                await CheckFixAsync(provider, document, diagnostic, problems, cancellationToken);
            }
        }

        return new CheckResult(
            problems,
            Accepted: run.GeneratedSources.Length,
            Compiled: compileGenerated ? run.GeneratedSources.Length : 0,
            Diagnostics: diagnostics.Length,
            FixesApplied: fixedCount);
    }

    private static async Task CheckFixAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic, List<string> problems, CancellationToken cancellationToken)
    {
        string name = provider.GetType().Name;
        try
        {
            var actions = new List<CodeAction>();
            await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken));
            int syntaxErrorsBefore = SyntaxErrors(await document.GetSyntaxTreeAsync(cancellationToken));
            foreach (CodeAction action in actions)
            {
                foreach (ApplyChangesOperation apply in (await action.GetOperationsAsync(cancellationToken)).OfType<ApplyChangesOperation>())
                {
                    Document? changed = apply.ChangedSolution.GetDocument(document.Id);
                    if (changed is null)
                    {
                        problems.Add($"{name} ('{action.Title}') for {Describe(diagnostic)} removed the document");
                        continue;
                    }

                    SyntaxTree? fixedTree = await changed.GetSyntaxTreeAsync(cancellationToken);
                    if (SyntaxErrors(fixedTree) > syntaxErrorsBefore)
                    {
                        problems.Add($"{name} ('{action.Title}') for {Describe(diagnostic)} broke the syntax:\n{await changed.GetTextAsync(cancellationToken)}");
                    }
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            problems.Add($"{name} threw for {Describe(diagnostic)}: {exception}");
        }
    }

    private static int SyntaxErrors(SyntaxTree? tree) =>
        tree?.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error) ?? 0;

    private static string Describe(Diagnostic diagnostic) =>
        $"{diagnostic.Id} at {diagnostic.Location.GetLineSpan()}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>What one source did to the toolchain: its problems, and what it exercised.</summary>
internal sealed record CheckResult(IReadOnlyList<string> Problems, int Accepted, int Compiled, int Diagnostics, int FixesApplied);
