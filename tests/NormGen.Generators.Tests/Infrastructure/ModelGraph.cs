using System;
using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>
/// Walks everything reachable from a pipeline value through its fields, to find objects that must
/// never be held by an incremental model: they are not equatable and keep a compilation alive.
/// </summary>
internal static class ModelGraph
{
    private static readonly Type[] Forbidden =
    [
        typeof(Compilation),
        typeof(ISymbol),
        typeof(SyntaxNode),
        typeof(SyntaxTree),
        typeof(SemanticModel),
        typeof(Location),
        typeof(AttributeData),
        typeof(IOperation),
    ];

    /// <summary>Describes each forbidden object reachable from <paramref name="root"/>, with the path to it.</summary>
    public static List<string> FindForbidden(object? root)
    {
        var found = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(root, "model", found, visited);
        return found;
    }

    private static void Visit(object? value, string path, List<string> found, HashSet<object> visited)
    {
        if (value is null || value is string || value is Type || value.GetType().IsPrimitive || value.GetType().IsEnum)
        {
            return;
        }

        Type type = value.GetType();
        if (!type.IsValueType && !visited.Add(value))
        {
            return;
        }

        foreach (Type forbidden in Forbidden)
        {
            if (forbidden.IsInstanceOfType(value))
            {
                found.Add($"{path}: {type.FullName}");
                return;
            }
        }

        if (value is IEnumerable items)
        {
            int index = 0;
            foreach (object? item in items)
            {
                Visit(item, $"{path}[{index++}]", found, visited);
            }
        }

        for (Type? current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            foreach (FieldInfo field in current.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                // Pointers and by-ref fields can't be boxed; a model has none anyway.
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                {
                    continue;
                }

                Visit(field.GetValue(value), $"{path}.{field.Name}", found, visited);
            }
        }
    }
}
