{{/*
The tenancy values, multitenancy.* and artifacts.*, kept apart from the rest of the
chart. An unknown key under either block stops the render with a message naming it:
a misspelt lockdown switch must not install an unlocked controller.
*/}}
{{- define "stageset-controller.refuseUnknownValues" -}}
{{- if not (kindIs "map" .value) }}
{{- fail (printf "chart value %s must be a map" .path) }}
{{- end }}
{{- range $key, $_ := .value }}
{{- if not (has $key $.known) }}
{{- fail (printf "unknown chart value %s.%s (known: %s)" $.path $key (join ", " $.known)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Whether the multi-tenancy lockdown is on ("true" or ""), after checking its values. */}}
{{- define "stageset-controller.multitenancy" -}}
{{- include "stageset-controller.refuseUnknownValues" (dict "path" "multitenancy" "value" .Values.multitenancy "known" (list "enabled" "defaultServiceAccount")) }}
{{- if not (kindIs "bool" .Values.multitenancy.enabled) }}
{{- fail "chart value multitenancy.enabled must be true or false" }}
{{- end }}
{{- if .Values.multitenancy.enabled }}
{{- $sa := .Values.multitenancy.defaultServiceAccount }}
{{- if not (and (kindIs "string" $sa) (regexMatch "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" $sa) (le (len $sa) 253)) }}
{{- fail "chart value multitenancy.defaultServiceAccount must name a ServiceAccount when multitenancy.enabled is true" }}
{{- end }}
{{- true }}
{{- end }}
{{- end }}

{{/* The container args of the tenancy values, one list item per line. */}}
{{- define "stageset-controller.tenancyArgs" -}}
{{- include "stageset-controller.refuseUnknownValues" (dict "path" "artifacts" "value" .Values.artifacts "known" (list "allowHosts")) }}
{{- if not (kindIs "slice" .Values.artifacts.allowHosts) }}
{{- fail "chart value artifacts.allowHosts must be a list" }}
{{- end }}
{{- if include "stageset-controller.multitenancy" . }}
- --default-service-account={{ .Values.multitenancy.defaultServiceAccount }}
- --no-cross-namespace-refs
{{- end }}
{{- with .Values.artifacts.allowHosts }}
- --allow-artifact-hosts={{ join "," . }}
{{- end }}
{{- end }}
