# Generates tests/golden-extra/core_extra.json: more PyTorch cases for the core ops (other shapes,
# 0-dim and empty operands, exponent 0, large logits) in the pytorch-golden/1 format.
# Run: /usr/bin/python3 tests/golden-extra/gen_core_extra.py  (Debian python3-torch 1.13)
import json, torch, math
torch.manual_seed(7)
torch.set_default_dtype(torch.float64)
def T(t):
    if t.dtype == torch.int64:
        return {"dtype":"int64","shape":list(t.shape),"data":[int(v) for v in t.flatten().tolist()]}
    data=[]
    for v in t.detach().flatten().tolist():
        if math.isnan(v): data.append("NaN")
        elif math.isinf(v): data.append("Infinity" if v>0 else "-Infinity")
        else: data.append(v)
    return {"dtype":"float64","shape":list(t.shape),"data":data}
cases=[]
def case(name, op, attrs, inputs, fn, diff=None):
    ins={k:v.clone().requires_grad_(v.dtype==torch.float64) for k,v in inputs.items()}
    outs=fn(**ins)
    if not isinstance(outs, dict): outs={"out":outs}
    ups={k:torch.randn(v.shape) for k,v in outs.items() if v.dtype==torch.float64 and v.requires_grad}
    L=sum((outs[k]*ups[k]).sum() for k in ups)
    grads={}
    if ups:
        L.backward()
        for k,v in ins.items():
            if v.dtype==torch.float64:
                grads[k]=T(v.grad if v.grad is not None else torch.zeros_like(v))
    cases.append({"name":name,"op":op,"attributes":attrs,"inputs":{k:T(v) for k,v in inputs.items()},
        "outputs":{k:T(v) for k,v in outs.items()},"upstream":{k:T(v) for k,v in ups.items()},"grads":grads})
r=torch.randn
shapes=[((5,),(5,)),((2,3,1),(4,)),((1,),(3,2)),((),(2,2)),((4,1,3),(1,5,1)),((2,0,3),(3,)) ]
for a,b in shapes:
    for op,f in [("add",lambda input,other: input+other),("sub",lambda input,other: input-other),("mul",lambda input,other: input*other),("div",lambda input,other: input/other)]:
        case(f"{op}/{a}_{b}",op,{}, {"input":r(a),"other":r(b)+(3 if op=='div' else 0)}, f)
    case(f"pow/{a}_{b}","pow",{}, {"input":r(a).abs()+0.1,"other":r(b)}, lambda input,other: torch.pow(input,other))
for e in [3.0, -2.0, 0.5, 0.0, 1.0]:
    x=r(3,4)
    if e!=int(e): x=x.abs()+0.1
    case(f"pow_scalar/e={e}","pow_scalar",{"exponent":e},{"input":x},lambda input: torch.pow(input,e))
for op,f in [("exp",torch.exp),("log",torch.log),("sqrt",torch.sqrt)]:
    case(f"{op}/2x3x2",op,{},{"input":r(2,3,2).abs()+0.01},f)
for dim,kd in [(None,False),(None,True),(0,True),(-1,False),([0,2],False),([-1,-3],True),(1,False)]:
    x=r(3,4,5)
    for op in ["sum","mean"]:
        case(f"{op}/dim={dim}_kd={kd}",op,{"dim":dim,"keepdim":kd},{"input":x},
             (lambda input: getattr(torch,op)(input)) if dim is None and not kd else (lambda input, op=op: getattr(torch,op)(input, dim=(list(range(3)) if dim is None else dim), keepdim=kd)))
for dim,kd in [(None,False),(0,False),(2,True),(-2,False)]:
    x=r(3,4,5)
    if dim is None: case(f"max/dim=None","max",{"dim":None,"keepdim":False},{"input":x},lambda input: torch.max(input))
    else: case(f"max/dim={dim}_kd={kd}","max",{"dim":dim,"keepdim":kd},{"input":x},lambda input: dict(zip(["out","indices"],torch.max(input,dim=dim,keepdim=kd))))
x=torch.tensor([[1.,3.,3.],[2.,2.,0.]]); case("max/ties_dim1","max",{"dim":1,"keepdim":False},{"input":x},lambda input: dict(zip(["out","indices"],torch.max(input,dim=1))))
case("max/ties_full","max",{"dim":None,"keepdim":False},{"input":x},lambda input: torch.max(input))
for a,b in [((4,),(4,)),((3,),(3,5)),((5,3),(3,)),((2,3,4),(4,)),((4,),(2,4,3)),((3,1,2,4),(5,4,6)),((2,5),(3,5,2)),((1,7),(7,1))]:
    case(f"matmul/{a}_{b}","matmul",{},{"input":r(a),"other":r(b)},lambda input,other: torch.matmul(input,other))
import torch.nn.functional as F
xs=torch.cat([r(10)*5, torch.tensor([0.,-50.,50.,-800.,800., 1e-9, -1e-9, 3.0000001])])
for op,attrs,f in [("sigmoid",{},torch.sigmoid),("tanh",{},torch.tanh),("relu",{},F.relu),("leaky_relu",{"negative_slope":0.2},lambda input: F.leaky_relu(input,0.2)),
    ("elu",{"alpha":0.7},lambda input: F.elu(input,0.7)),("gelu",{"approximate":"none"},lambda input: F.gelu(input)),("gelu",{"approximate":"tanh"},lambda input: F.gelu(input,approximate="tanh")),
    ("softplus",{"beta":2.0,"threshold":6.0},lambda input: F.softplus(input,2.0,6.0)),("silu",{},F.silu)]:
    case(f"{op}/{attrs}",op,attrs,{"input":xs.reshape(2,9)},f)
for dim in [0,1,-1,2]:
    x=r(2,3,4)*3
    case(f"softmax/dim={dim}","softmax",{"dim":dim},{"input":x},lambda input: F.softmax(input,dim))
    case(f"log_softmax/dim={dim}","log_softmax",{"dim":dim},{"input":x},lambda input: F.log_softmax(input,dim))
x=torch.tensor([[1000.,-1000.,0.],[-1e4,-1e4,-1e4]])
case("log_softmax/large","log_softmax",{"dim":1},{"input":x},lambda input: F.log_softmax(input,1))
case("softmax/large","softmax",{"dim":1},{"input":x},lambda input: F.softmax(input,1))
json.dump({"format":"pytorch-golden/1","set":"heldout-sim","group":"mixed","torch_version":torch.__version__,"dtype":"float64","generator":"gen.py","cases":cases},open(__import__("os").path.join(__import__("os").path.dirname(__file__),"core_extra.json"),"w"))
print(len(cases))
