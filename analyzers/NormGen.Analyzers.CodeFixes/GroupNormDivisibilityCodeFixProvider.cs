using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>NGA001: replaces the group count with the divisor of the channel count nearest to it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GroupNormDivisibilityCodeFixProvider))]
[Shared]
public sealed class GroupNormDivisibilityCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA001");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is null ||
                !diagnostic.Properties.TryGetValue(GroupNormDivisibilityAnalyzer.GroupsProperty, out string? groups) ||
                groups is null ||
                SyntaxFixes.FindExpression(root, diagnostic.Location.SourceSpan) is not { } expression)
            {
                continue;
            }

            string title = $"Use {groups} groups";
            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    token => SyntaxFixes.ReplaceExpressionAsync(context.Document, expression, groups, token),
                    equivalenceKey: nameof(GroupNormDivisibilityCodeFixProvider)),
                diagnostic);
        }
    }
}
