package swagger2

// This file converts the reusable parts: definitions, parameters,
// responses and securityDefinitions become components.

import (
	"gopkg.in/yaml.v3"
)

// components converts definitions, parameters, responses and
// securityDefinitions, in the order they appear in the document.
func (c *converter) components(root *yaml.Node) (*yaml.Node, error) {
	out := newMap()
	err := pairs(root, func(key string, _, v *yaml.Node) error {
		switch key {
		case "definitions":
			schemas := newMap()
			err := pairs(v, func(name string, k, s *yaml.Node) error {
				ptr := at("/definitions", name)
				c.checkComponentName(ptr, k, name)
				conv, err := c.schema(ptr, s)
				if err != nil {
					return err
				}
				add(schemas, name, conv)
				return nil
			})
			if err != nil {
				return err
			}
			add(out, "schemas", schemas)
		case "parameters":
			params, bodies, err := c.componentParams(v)
			if err != nil {
				return err
			}
			if len(params.Content) > 0 {
				add(out, "parameters", params)
			}
			if len(bodies.Content) > 0 {
				add(out, "requestBodies", bodies)
			}
		case "responses":
			resps := newMap()
			err := pairs(v, func(name string, k, r *yaml.Node) error {
				ptr := at("/responses", name)
				c.checkComponentName(ptr, k, name)
				conv, err := c.responseOrRef(ptr, r, c.effective(c.produces), true)
				if err != nil {
					return err
				}
				add(resps, name, conv)
				return nil
			})
			if err != nil {
				return err
			}
			add(out, "responses", resps)
		case "securityDefinitions":
			schemes := newMap()
			err := pairs(v, func(name string, k, s *yaml.Node) error {
				ptr := at("/securityDefinitions", name)
				c.checkComponentName(ptr, k, name)
				conv, err := c.securityScheme(ptr, s)
				if err != nil {
					return err
				}
				add(schemes, name, conv)
				return nil
			})
			if err != nil {
				return err
			}
			add(out, "securitySchemes", schemes)
		}
		return nil
	})
	return out, err
}

// componentParams converts the document's parameters: body and formData
// ones become requestBodies, the others parameters.
func (c *converter) componentParams(v *yaml.Node) (params, bodies *yaml.Node, err error) {
	params, bodies = newMap(), newMap()
	err = pairs(v, func(name string, k, p *yaml.Node) error {
		ptr := at("/parameters", name)
		c.checkComponentName(ptr, k, name)
		rp, err := c.resolveParam(ptr, p)
		if err != nil {
			return err
		}
		switch rp.in {
		case "body":
			rb, err := c.bodyRequest(rp, c.effective(c.consumes))
			if err != nil {
				return err
			}
			add(bodies, name, rb)
		case "formData":
			rb, err := c.formRequest([]param{rp}, c.effective(c.consumes), ptr)
			if err != nil {
				return err
			}
			add(bodies, name, rb)
		default:
			conv, err := c.parameter(rp)
			if err != nil {
				return err
			}
			add(params, name, conv)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return params, bodies, nil
}

// checkComponentName warns about names OpenAPI 3.0 does not allow as
// component keys (^[a-zA-Z0-9.\-_]+$).
func (c *converter) checkComponentName(ptr string, k *yaml.Node, name string) {
	ok := name != ""
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			ok = false
			break
		}
	}
	if !ok {
		c.warn(ptr, k, "component name %q has characters OpenAPI 3.0 does not allow in component names (only A-Z a-z 0-9 . - _); kept as is", name)
	}
}
