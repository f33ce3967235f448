using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA006: inserts <c>model.train();</c> at the start of the loop body that evaluates (so every
/// epoch starts in training mode), or just before the training code that follows an <c>eval()</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TrainingAfterEvalCodeFixProvider))]
[Shared]
public sealed class TrainingAfterEvalCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA006");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is null ||
                diagnostic.AdditionalLocations.Count == 0 ||
                !diagnostic.Properties.TryGetValue(TrainingAfterEvalAnalyzer.ModuleProperty, out string? module) ||
                !diagnostic.Properties.TryGetValue(TrainingAfterEvalAnalyzer.PlacementProperty, out string? placement) ||
                module is null)
            {
                continue;
            }

            SyntaxNode anchor = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            string statement = $"{module}.train();";
            CodeAction? action = (placement, anchor) switch
            {
                (TrainingAfterEvalAnalyzer.LoopStart, BlockSyntax block) => CodeAction.Create(
                    $"Call {module}.train() at the start of the loop",
                    token => SyntaxFixes.InsertFirstStatementAsync(context.Document, block, statement, token),
                    equivalenceKey: nameof(TrainingAfterEvalCodeFixProvider)),
                (TrainingAfterEvalAnalyzer.BeforeStatement, StatementSyntax before) => CodeAction.Create(
                    $"Call {module}.train() before training",
                    token => SyntaxFixes.InsertStatementBeforeAsync(context.Document, before, statement, token),
                    equivalenceKey: nameof(TrainingAfterEvalCodeFixProvider)),
                _ => null,
            };

            if (action is not null)
            {
                context.RegisterCodeFix(action, diagnostic);
            }
        }
    }
}
