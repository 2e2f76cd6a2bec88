namespace Cajal.Information;

/// <summary>x·ln y with the convention 0·ln y := 0, so that 0·ln 0 is 0 and not NaN.</summary>
internal static class XLogYOp
{
    /// <summary>x·ln y element-wise (broadcasting), 0 where x = 0.</summary>
    /// <remarks>
    /// Gradients: ∂/∂x = ln y (the honest derivative, −∞ where y = 0); ∂/∂y = x/y, 0 where x = 0.
    /// A plain <c>Where(x == 0, 0, x * y.Log())</c> would send 0·(−∞) = NaN into y's gradient.
    /// </remarks>
    public static Tensor Apply(Tensor x, Tensor y)
    {
        Tensor output, isZero;
        using (Autograd.NoGrad())
        {
            isZero = x.Detach().Eq(0.0);
            output = Tensor.Where(isZero, Tensor.Zeros([], x.DType), x.Detach() * y.Detach().Log());
        }
        return Autograd.Record(output, "XLogY", [x, y], g =>
        [
            x.RequiresGrad ? (g * y.Log()).SumTo(x.Shape.ToArray()) : null,
            y.RequiresGrad ? Tensor.Where(isZero, Tensor.Zeros([], g.DType), g * x / y).SumTo(y.Shape.ToArray()) : null,
        ]);
    }
}
