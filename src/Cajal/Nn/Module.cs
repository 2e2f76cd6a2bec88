using System.Text;

namespace Cajal.Nn;

/// <summary>What <see cref="Module.LoadStateDict"/> found: keys the module expected but did not get, and keys it did not know.</summary>
/// <param name="MissingKeys">Keys of the module that the dictionary lacks.</param>
/// <param name="UnexpectedKeys">Keys of the dictionary that the module does not have.</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>The base of every layer and model: parameters, buffers, sub-modules, train/eval mode and state dictionaries.</summary>
/// <remarks>
/// A module lists what it owns explicitly — <see cref="OwnParameters"/>, <see cref="OwnBuffers"/> and
/// <see cref="NamedChildren"/> — so there is no reflection and the state-dict keys are exactly PyTorch's
/// dotted names (<c>features.0.weight</c>). A module made of tensor ops needs no backward of its own.
/// </remarks>
public abstract class Module
{
    /// <summary>Whether the module is in training mode (dropout active, batch statistics used); true when created.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Every module of the tree (this one first), depth first.</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>Every buffer (running statistics and other saved non-learnable state).</summary>
    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Value);

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>This module's own learnable tensors with their local names (e.g. <c>weight</c>, <c>bias</c>).</summary>
    protected virtual IEnumerable<(string Name, Tensor Value)> OwnParameters() => [];

    /// <summary>This module's own non-learnable state saved in the state dict (e.g. <c>running_mean</c>).</summary>
    protected virtual IEnumerable<(string Name, Tensor Value)> OwnBuffers() => [];

    /// <summary>The direct sub-modules with their local names, in registration order.</summary>
    public virtual IEnumerable<(string Name, Module Module)> NamedChildren() => [];

    /// <summary>The direct sub-modules.</summary>
    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>This module and every descendant with its dotted path ("" for this one), depth first.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (prefix, module) = stack.Pop();
            yield return (prefix, module);
            foreach (var (name, child) in module.NamedChildren().Reverse())
                stack.Push((prefix.Length == 0 ? name : prefix + "." + name, child));
        }
    }

    /// <summary>Every learnable tensor with its dotted name; a tensor shared by two modules is listed once.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, p) in module.OwnParameters())
                if (seen.Add(p)) yield return (Join(prefix, name), p);
    }

    /// <summary>Every learnable tensor (what an optimizer updates).</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>Every buffer with its dotted name.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedBuffers()
    {
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, b) in module.OwnBuffers())
                yield return (Join(prefix, name), b);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, module) in NamedModules()) module.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradient of every parameter (sets it to null, as PyTorch's default).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>The number of elements in all parameters (optionally only those that require grad).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => (long)p.Count);

    /// <summary>Parameters then buffers of each module, depth first, by dotted name; the tensors share storage with the module.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module.OwnParameters())
                if (seen.Add(p)) state[Join(prefix, name)] = p.Detach();
            foreach (var (name, b) in module.OwnBuffers())
                state[Join(prefix, name)] = b.Detach();
        }
        return state;
    }

    /// <summary>Copies values from <paramref name="state"/> into this module's parameters and buffers.</summary>
    /// <remarks>
    /// Shapes must match exactly and dtypes are converted. With <paramref name="strict"/> (the default) any missing or
    /// unexpected key throws an <see cref="ArgumentException"/> that lists them all, and nothing is changed.
    /// </remarks>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var problems = new List<string>();
        foreach (var (key, target) in own)
            if (state.TryGetValue(key, out var value) && value.Shape != target.Shape)
                problems.Add($"'{key}': shape {value.Shape} in the state dict, {target.Shape} in the model");
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            if (missing.Count > 0) problems.Add("missing keys: " + string.Join(", ", missing));
            if (unexpected.Count > 0) problems.Add("unexpected keys: " + string.Join(", ", unexpected));
        }
        if (problems.Count > 0)
            throw new ArgumentException($"LoadStateDict for {GetType().Name}: " + string.Join("; ", problems) + ".");
        using (Autograd.NoGrad())
        {
            foreach (var (key, target) in own)
                if (state.TryGetValue(key, out var value)) target.CopyFrom(value);
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>The arguments shown between the parentheses in <see cref="ToString"/>, e.g. <c>in_features=3, out_features=4, bias=True</c>.</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>The module tree in PyTorch's layout.</summary>
    public override string ToString()
    {
        var children = NamedChildren().ToList();
        string extra = ExtraRepr();
        if (children.Count == 0) return $"{GetType().Name}({extra})";
        var sb = new StringBuilder(GetType().Name).Append('(');
        if (extra.Length > 0) sb.Append('\n').Append("  ").Append(extra);
        foreach (var (name, child) in children)
        {
            string text = child.ToString().Replace("\n", "\n  ", StringComparison.Ordinal);
            sb.Append('\n').Append($"  ({name}): ").Append(text);
        }
        return sb.Append("\n)").ToString();
    }

    /// <summary>
    /// A table of each layer's output shape and parameter count for an input of <paramref name="inputShape"/>
    /// (including the batch dimension), computed by running a zero input in evaluation mode without recording.
    /// </summary>
    /// <param name="inputShape">The input's shape, batch dimension first.</param>
    /// <remarks>
    /// The input's dtype is the first parameter's (Int64 when the model starts with an Embedding). Containers report
    /// each child; a custom module that calls its layers itself is reported as one row.
    /// </remarks>
    public string Summary(params int[] inputShape) => Summary(null, inputShape);

    /// <summary>As <see cref="Summary(int[])"/> with an input of the given dtype.</summary>
    /// <param name="inputDType">The input's dtype, or null for the default.</param>
    /// <param name="inputShape">The input's shape, batch dimension first.</param>
    public string Summary(DType? inputDType, params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var first = NamedModules().Select(m => m.Module).FirstOrDefault(m => m.NamedChildren().FirstOrDefault().Module is null);
        var dtype = inputDType ?? (first is Embedding ? DType.Int64 : Parameters().FirstOrDefault()?.DType ?? DType.Float32);
        var modes = NamedModules().Select(m => (m.Module, m.Module.Training)).ToList();
        var rows = new List<(string Name, string Type, string Shape, long Params)>();
        Eval();
        try
        {
            using var scope = SummaryTrace.Begin(this, rows);
            using var noGrad = Autograd.NoGrad();
            var output = Forward(Tensor.Zeros(inputShape, dtype));
            if (rows.Count == 0) rows.Add(("", GetType().Name, output.Shape.ToString(), ParameterCount()));
        }
        finally
        {
            foreach (var (module, training) in modes) module.Training = training;   // each module's own mode back
        }
        var sb = new StringBuilder();
        int nameWidth = Math.Max(20, rows.Max(r => (r.Name.Length == 0 ? r.Type : $"{r.Name} ({r.Type})").Length) + 2);
        sb.Append("Layer".PadRight(nameWidth)).Append("Output shape".PadRight(22)).Append("Params".PadLeft(12)).Append('\n');
        sb.Append(new string('─', nameWidth + 34)).Append('\n');
        foreach (var (name, type, shape, count) in rows)
            sb.Append((name.Length == 0 ? type : $"{name} ({type})").PadRight(nameWidth)).Append(shape.PadRight(22)).Append(count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture).PadLeft(12)).Append('\n');
        sb.Append(new string('─', nameWidth + 34)).Append('\n');
        sb.Append($"Total parameters: {ParameterCount():N0} (trainable {ParameterCount(trainableOnly: true):N0})\n");
        sb.Append($"Input shape: {new Shape(inputShape)}");
        return sb.ToString();
    }

    /// <summary>Records child outputs for <c>Summary</c> while a summary runs on this thread.</summary>
    internal static class SummaryTrace
    {
        [ThreadStatic] private static List<(string, string, string, long)>? t_rows;
        [ThreadStatic] private static Dictionary<Module, string>? t_paths;

        public static IDisposable Begin(Module root, List<(string, string, string, long)> rows)
        {
            t_rows = rows;
            t_paths = new Dictionary<Module, string>(ReferenceEqualityComparer.Instance);
            foreach (var (name, module) in root.NamedModules()) t_paths.TryAdd(module, name);
            return new End();
        }

        /// <summary>Called by containers after each child's forward.</summary>
        public static void Record(Module child, Tensor output)
        {
            if (t_rows is null || t_paths is null) return;
            // Containers report their children; a child container's own row would repeat them.
            if (child is Sequential) return;
            t_rows.Add((t_paths.GetValueOrDefault(child, "?"), child.GetType().Name, output.Shape.ToString(), child.ParameterCount()));
        }

        private sealed class End : IDisposable
        {
            public void Dispose()
            {
                t_rows = null;
                t_paths = null;
            }
        }
    }
}
