import {Args} from '@oclif/core'
import {NsqCommand} from '../../cli/base-command.js'
import {EXIT, exitCodesHelp} from '../../cli/exit-codes.js'

/**
 * The bash completion of context names. @oclif/plugin-autocomplete (v3) completes commands and
 * flag names only (flag values just from a flag's static `options`), so context names, which
 * change, cannot come from it: this wraps its function. The names are read from the contexts
 * folder by the shell itself (no node start per Tab).
 */
function bashScript(bin: string): string {
  const fn = bin.replaceAll(/[^A-Za-z0-9_]/g, '_')
  return `# ${bin}: complete context names after --context and for "${bin} context use|show|rm".
# Load it after the script of "${bin} autocomplete bash", e.g. in ~/.bashrc:
#   eval "$(${bin} context completion bash)"
_${fn}_context_names() {
  local base="\${XDG_CONFIG_HOME:-}"
  [[ "$base" == /* ]] || base="$HOME/.config"
  local file
  for file in "$base/nsq-toolkit/contexts/"*.json; do
    [[ -e "$file" ]] || continue
    file="\${file##*/}"
    printf '%s\\n' "\${file%.json}"
  done
}
_${fn}_with_contexts() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]:-}" before="\${COMP_WORDS[COMP_CWORD-2]:-}"
  if [[ "$prev" == "--context" ]] || [[ "$prev" == "=" && "$before" == "--context" ]] ||
    [[ "\${COMP_WORDS[1]:-}" == "context" && "\${COMP_WORDS[2]:-}" =~ ^(use|show|rm)$ && $COMP_CWORD -eq 3 && "$cur" != -* ]]; then
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(_${fn}_context_names)" -- "$cur"))
    return 0
  fi
  if declare -F _${fn}_autocomplete >/dev/null; then
    _${fn}_autocomplete "$@"
  fi
}
complete -o default -F _${fn}_with_contexts ${bin}
`
}

export default class ContextCompletion extends NsqCommand<typeof ContextCompletion> {
  static override summary = 'Print the bash completion of context names (load it after nsq autocomplete)'

  static override description = `nsq autocomplete completes commands and flags; this adds the names of your contexts after --context (on every command) and for nsq context use, show and rm. Add to ~/.bashrc, after the line nsq autocomplete bash printed:

  eval "$(nsq context completion bash)"

Only bash: zsh users get command and flag completion from nsq autocomplete, without context names.

${exitCodesHelp([EXIT.OK, EXIT.USAGE])}`

  static override examples = ['<%= config.bin %> <%= command.id %> bash >> ~/.bashrc']

  static override appliesContext = false

  static override args = {
    shell: Args.string({description: 'the shell', options: ['bash'], default: 'bash', required: false, ignoreStdin: true}),
  }

  async run(): Promise<void> {
    this.log(bashScript(this.config.bin).trimEnd())
  }
}
