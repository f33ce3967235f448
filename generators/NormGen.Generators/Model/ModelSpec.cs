using NormGen.Generators.Helpers;

namespace NormGen.Generators.Model;

/// <summary>A type declaration to reopen as <c>partial</c> around the emitted kernels.</summary>
/// <param name="Keyword">The declaration keyword(s): <c>class</c>, <c>struct</c>, <c>record</c> or <c>record struct</c>.</param>
/// <param name="Name">The type's name, with its type parameter list if it is generic.</param>
internal sealed record TypeHeader(string Keyword, string Name);

/// <summary>One model class and the norms declared on it: the unit the generator emits a file for.</summary>
/// <param name="Namespace">The containing namespace, or empty for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, for nested model classes.</param>
/// <param name="Type">The model type itself.</param>
/// <param name="HintName">The generated file's name.</param>
/// <param name="Norms">The valid norms, in declaration order.</param>
internal sealed record ModelSpec(
    string Namespace,
    EquatableArray<TypeHeader> ContainingTypes,
    TypeHeader Type,
    string HintName,
    EquatableArray<NormSpec> Norms);
