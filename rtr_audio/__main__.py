from rtr_audio.cli import main

main()
