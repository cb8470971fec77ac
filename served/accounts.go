package served

import "sort"

// accountVec is the snapshot's accounts: an immutable vector in name
// order, stored as a tree of fan-out 32 so that replacing one account
// copies only the path to it (a handful of nodes), whatever the number of
// accounts. Copying a flat slice instead made every update O(accounts),
// and loading N accounts O(N²): minutes at 100,000 accounts.
type accountVec struct {
	names []string       // sorted; shared by every version of the vector
	index map[string]int // name -> position; shared
	root  *vecNode
	shift uint // bits of the position consumed by the root's level
}

const (
	vecBits  = 5
	vecWidth = 1 << vecBits
	vecMask  = vecWidth - 1
)

// vecNode is an inner node (children) or a leaf (accounts).
type vecNode struct {
	children [vecWidth]*vecNode
	accounts [vecWidth]*Account
}

// newAccountVec builds the vector of accounts, which must be sorted by
// name.
func newAccountVec(accounts []*Account) *accountVec {
	v := &accountVec{names: make([]string, len(accounts)), index: make(map[string]int, len(accounts))}
	for i, a := range accounts {
		v.names[i] = a.Name
		v.index[a.Name] = i
	}
	for n := vecWidth; n < len(accounts); n <<= vecBits {
		v.shift += vecBits
	}
	v.root = build(accounts, v.shift)
	return v
}

func build(accounts []*Account, shift uint) *vecNode {
	n := &vecNode{}
	if shift == 0 {
		copy(n.accounts[:], accounts)
		return n
	}
	step := 1 << shift
	for i := 0; i*step < len(accounts); i++ {
		n.children[i] = build(accounts[i*step:min((i+1)*step, len(accounts))], shift-vecBits)
	}
	return n
}

// len returns the number of accounts.
func (v *accountVec) len() int { return len(v.names) }

// position returns the position of the account of that name, or -1.
func (v *accountVec) position(name string) int {
	if i, ok := v.index[name]; ok {
		return i
	}
	return -1
}

// at returns the account at position i.
func (v *accountVec) at(i int) *Account {
	n := v.root
	for shift := v.shift; shift > 0; shift -= vecBits {
		n = n.children[(i>>shift)&vecMask]
	}
	return n.accounts[i&vecMask]
}

// with returns a vector where position i holds acc, sharing every node
// but the path to i.
func (v *accountVec) with(i int, acc *Account) *accountVec {
	next := *v
	next.root = set(v.root, v.shift, i, acc)
	return &next
}

func set(n *vecNode, shift uint, i int, acc *Account) *vecNode {
	c := *n
	if shift == 0 {
		c.accounts[i&vecMask] = acc
		return &c
	}
	k := (i >> shift) & vecMask
	c.children[k] = set(n.children[k], shift-vecBits, i, acc)
	return &c
}

// all returns the accounts in name order.
func (v *accountVec) all() []*Account {
	out := make([]*Account, 0, v.len())
	var walk func(n *vecNode, shift uint)
	walk = func(n *vecNode, shift uint) {
		if shift == 0 {
			for _, a := range n.accounts[:min(vecWidth, v.len()-len(out))] {
				out = append(out, a)
			}
			return
		}
		for _, c := range n.children {
			if c == nil || len(out) == v.len() {
				return
			}
			walk(c, shift-vecBits)
		}
	}
	walk(v.root, v.shift)
	return out
}

// sortAccounts sorts accounts by name.
func sortAccounts(accounts []*Account) {
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].Name < accounts[j].Name })
}
