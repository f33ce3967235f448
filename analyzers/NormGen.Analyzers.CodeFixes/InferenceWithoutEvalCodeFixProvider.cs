using System.Collections.Immutable;
using System.Linq;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>NGA005: inserts <c>model.eval();</c> just before the no_grad()/inference_mode() statement.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InferenceWithoutEvalCodeFixProvider))]
[Shared]
public sealed class InferenceWithoutEvalCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA005");

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
                !diagnostic.Properties.TryGetValue(InferenceWithoutEvalAnalyzer.ModuleProperty, out string? module) ||
                module is null)
            {
                continue;
            }

            // The scope is a using statement, or the variable declaration of a using declaration.
            SyntaxNode? scope = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true);
            StatementSyntax? anchor = scope?.AncestorsAndSelf().OfType<StatementSyntax>().FirstOrDefault();
            if (anchor?.Parent is not BlockSyntax)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Call {module}.eval() first",
                    token => SyntaxFixes.InsertStatementBeforeAsync(context.Document, anchor, $"{module}.eval();", token),
                    equivalenceKey: nameof(InferenceWithoutEvalCodeFixProvider)),
                diagnostic);
        }
    }
}
