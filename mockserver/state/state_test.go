package state_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockd/mockd/mockserver/state"
	"github.com/mockd/mockd/validator"
)

func load(doc string) *validator.Spec {
	GinkgoHelper()
	spec, err := validator.Parse([]byte(doc))
	Expect(err).NotTo(HaveOccurred())
	return spec
}

func items(st *state.Store, name string) []map[string]any {
	GinkgoHelper()
	out, ok := st.Items(name)
	Expect(ok).To(BeTrue(), name)
	return out
}

func op(spec *validator.Spec, id string) *validator.Operation {
	GinkgoHelper()
	o, ok := spec.Operation(id)
	Expect(ok).To(BeTrue(), id)
	return o
}

const pets = `openapi: 3.0.3
info: {title: pets, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
              example: [{id: 7, name: rex}]
    post:
      operationId: createPet
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  /pets/{petId}:
    get:
      operationId: getPet
      parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  /owners:
    x-mockd-resource: false
    get:
      operationId: listOwners
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Owner'}}}}}
  /owners/{ownerId}:
    get:
      operationId: getOwner
      parameters: [{name: ownerId, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Owner'}}}}
  /toys:
    get:
      operationId: listToys
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Owner'}}}}}
  /toys/{toyId}:
    x-mockd-resource: playthings
    get:
      operationId: getToy
      parameters: [{name: toyId, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  /vets:
    get:
      operationId: listVets
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Owner'}}}}}
  /vets/{vetId}:
    get:
      operationId: getVet
      parameters: [{name: vetId, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
    Owner:
      type: object
      properties:
        name: {type: string}
`

var _ = Describe("inference", func() {
	It("pairs collection and item paths by shape and schema; x-mockd-resource names a pair or leaves it out", func() {
		st, err := state.New(load(pets), state.Options{Seed: 1})
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Names()).To(ConsistOf("pets", "playthings"))
		reasons := map[string]string{}
		for _, s := range st.Stateless() {
			reasons[s.Op.ID] = s.Reason
		}
		Expect(reasons).To(HaveKey("listOwners"))
		Expect(reasons["getVet"]).To(ContainSubstring("are not the items"), "different item schemas are not paired without the extension")
		spec := st.Resources()[0].Ops[state.KindGet]
		res, kind, ok := st.Lookup(spec)
		Expect(ok).To(BeTrue())
		Expect(kind).To(Equal(state.KindGet))
		Expect(res.IDProperty).To(Equal("id"))
	})

	It("refuses a bad x-mockd-resource and a paging override for an unknown resource, naming them", func() {
		_, err := state.New(load(pets), state.Options{Paging: map[string]state.Paging{"cats": {Style: state.PageOffset, DefaultLimit: 5}}})
		Expect(err).To(MatchError(ContainSubstring(`paging for "cats": no such resource`)))
		_, err = state.New(load(pets), state.Options{Paging: map[string]state.Paging{"pets": {Style: "sideways"}}})
		Expect(err).To(MatchError(ContainSubstring(`style "sideways"`)))
	})
})

var _ = Describe("the store", func() {
	var (
		spec *validator.Spec
		st   *state.Store
	)
	BeforeEach(func() {
		spec = load(pets)
		var err error
		st, err = state.New(spec, state.Options{Seed: 1, Now: func() time.Time { return time.Unix(0, 0) }})
		Expect(err).NotTo(HaveOccurred())
	})
	handle := func(id, path, body string) state.Result {
		GinkgoHelper()
		res, err := st.Handle(state.Request{Op: op(spec, id), Path: path, Query: url.Values{}, Body: []byte(body), ContentType: "application/json"})
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	It("seeds from the collection's example and numbers new integer ids after the seeds", func() {
		Expect(items(st, "pets")).To(ConsistOf(HaveKeyWithValue("name", "rex")))
		res := handle("createPet", "/pets", `{"name": "tom"}`)
		Expect(res.Status).To(Equal(http.StatusCreated))
		Expect(res.Body).To(HaveKeyWithValue("id", BeEquivalentTo(8)))
		Expect(handle("getPet", "/pets/8", "").Body).To(HaveKeyWithValue("name", "tom"))
		Expect(handle("getPet", "/pets/9", "").NotFound).To(BeTrue())
	})

	It("saves and loads a snapshot, and Reset restores the seeds", func() {
		handle("createPet", "/pets", `{"name": "tom"}`)
		file := filepath.Join(GinkgoT().TempDir(), "state.json")
		Expect(st.Save(file)).To(Succeed())
		st.Reset()
		Expect(items(st, "pets")).To(HaveLen(1))
		Expect(st.Load(file)).To(Succeed())
		Expect(items(st, "pets")).To(HaveLen(2))
		Expect(handle("createPet", "/pets", `{"name": "kit"}`).Body).To(HaveKeyWithValue("id", BeEquivalentTo(9)))
		Expect(os.WriteFile(file, []byte(`{"version": 1, "resources": {"cats": {}}}`), 0o600)).To(Succeed())
		Expect(st.Load(file)).To(MatchError(ContainSubstring(`resource "cats"`)))
		Expect(os.WriteFile(file, []byte(`not json`), 0o600)).To(Succeed())
		Expect(st.Load(file)).To(MatchError(ContainSubstring("is not a mockd state snapshot")))
		Expect(st.Load(filepath.Join(GinkgoT().TempDir(), "absent.json"))).To(Succeed())
	})

	It("refuses a body that is not a JSON object", func() {
		_, err := st.Handle(state.Request{Op: op(spec, "createPet"), Path: "/pets", Body: []byte(`[1]`)})
		Expect(err).To(MatchError(state.ErrBadBody))
	})
})

var _ = Describe("Idempotency", func() {
	It("proceeds, holds in flight, replays, refuses another request, expires and stays within its bytes", func() {
		now := time.Unix(0, 0)
		m := state.NewIdempotency(time.Minute, 400, func() time.Time { return now })
		_, v := m.Begin("k", "POST /a 1")
		Expect(v).To(Equal(state.Proceed))
		_, v = m.Begin("k", "POST /a 1")
		Expect(v).To(Equal(state.InFlight))
		m.Finish("k", &state.Recorded{Status: 201, Body: []byte("x")})
		rec, v := m.Begin("k", "POST /a 1")
		Expect(v).To(Equal(state.Replay))
		Expect(rec.Body).To(Equal([]byte("x")))
		_, v = m.Begin("k", "POST /a 2")
		Expect(v).To(Equal(state.Mismatch))
		now = now.Add(2 * time.Minute)
		_, v = m.Begin("k", "POST /a 2")
		Expect(v).To(Equal(state.Proceed), "an expired key is new")
		m.Abort("k")
		for _, k := range []string{"a", "b", "c", "d"} {
			m.Begin(k, k)
			m.Finish(k, &state.Recorded{Status: 201, Body: make([]byte, 100)})
		}
		Expect(m.Bytes()).To(BeNumerically("<=", 400))
		_, v = m.Begin("a", "a")
		Expect(v).To(Equal(state.Proceed), "the oldest answer was evicted")
		_, v = m.Begin("d", "d")
		Expect(v).To(Equal(state.Replay))
	})
})
